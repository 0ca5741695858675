"""Does a spectral quantity predict accuracy beyond the layers' densities?

Every trained network — each round of each ticket run, each control — is a
row: its seed, its kind, each studied layer's density and graph quantities,
and its test accuracy. A ridge regression predicts accuracy from the log
densities alone (with their powers up to :data:`DENSITY_DEGREE`), and again
with one spectral quantity added; cross-validation holds out whole seeds, so a network is never
predicted from its own seed's other rounds. The gain of a quantity is the
drop in held-out root-mean-square error, fold by fold.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from . import metrics

__all__ = [
    "BASELINES",
    "QUANTITIES",
    "network_table",
    "cross_validate",
    "fold_gains",
    "predictive_test",
    "RIDGE",
    "DENSITY_DEGREE",
]

#: ridge penalty on standardised features
RIDGE = 1.0
#: powers of each layer's log density in the density-only model: flexible
#: enough that its held-out error stops falling (chapter "Does the Ramanujan
#: property matter?" prints the error by degree); with a rigid density model
#: any quantity that varies with the round would look informative
DENSITY_DEGREE = 4
#: the quantities compared, column -> (label, per layer?, where it comes from)
QUANTITIES = {
    "delta": ("Δ (the paper's max(ΔS, ΔR), clipped to ±1)", True, "paper"),
    "share": ("share of Ramanujan layers", False, "paper"),
    "r": ("r = 1 - t2/db (normalised margin)", True, "later"),
    "imdb": ("IMDB", True, "later"),
    "narc": ("NaRC", True, "later"),
    "gap": ("weighted spectral gap (log)", True, "later"),
}


def _rows_of(res, kind: str, layers, sigmas) -> list[dict]:
    rows = []
    for rec in res.records:
        spec = pd.DataFrame(rec["spectral"])
        unw = spec[spec["graph"] == "unweighted"]
        recorded = "imdb" in unw.columns  # records from before the later measures lack IMDB (it needs the masks)
        unw = metrics.fill_derived(unw).set_index("layer")
        wei = metrics.fill_derived(spec[spec["graph"] == "weighted"]).set_index("layer")
        rnd = res.params.control_round if res.params.control else rec["round"]  # a control: its ticket's round
        row = {
            "seed": res.params.seed,
            "kind": kind,
            "run": res.folder.name,
            "round": rnd,
            "density": rec["density"],
            "imdb_recorded": recorded,
            "accuracy": 100 * rec["accuracy"],
            **{f"accuracy_{s}": 100 * rec["noisy_accuracy"][s] for s in sigmas if s in rec["noisy_accuracy"]},
        }
        flags = []
        for layer in layers:
            u = unw.loc[layer]
            delta = max(u["delta_s"], u["delta_r"])
            flags.append(bool(delta > 0))
            row[f"density_{layer}"] = rec["layers"][layer]
            row[f"delta_{layer}"] = float(np.clip(delta, -1, 1)) if not math.isnan(delta) else math.nan
            row[f"r_{layer}"] = u["r"]
            row[f"imdb_{layer}"] = u["imdb"] if recorded else math.nan
            row[f"narc_{layer}"] = u["narc"]
            gap = wei.loc[layer, "spectral_gap"]
            row[f"gap_{layer}"] = math.log(gap) if gap > 0 else math.nan
        row["share"] = float(np.mean(flags))
        rows.append(row)
    return rows


def network_table(tickets: list, controls: list, layers) -> pd.DataFrame:
    """One row per trained network: every round of the ``tickets`` runs and
    each of the ``controls`` runs (kind from its parameters)."""
    sigmas = sorted({s for r in [*tickets, *controls] for s in r.records[0]["noisy_accuracy"]}, key=float)
    rows = []
    for res in tickets:
        rows += _rows_of(res, "ticket", layers, sigmas)
    for res in controls:
        rows += _rows_of(res, res.params.control, layers, sigmas)
    return pd.DataFrame(rows)


#: what the baseline model knows besides the quantity: the layers' densities, or
#: the densities and the kind of mask (ticket, random, biregular)
BASELINES = ("density", "density and kind")


def _design(
    df: pd.DataFrame, layers, quantity: str | None, degree: int = None, baseline: str = "density"
) -> np.ndarray:
    degree = degree or DENSITY_DEGREE
    cols = []
    if baseline == "density and kind":
        cols += [(df["kind"] == k).to_numpy(float) for k in ("random", "biregular")]
    for layer in layers:
        x = np.log(df[f"density_{layer}"].to_numpy(dtype=float))
        cols += [x**k for k in range(1, degree + 1)]
    if quantity == "share":
        cols.append(df["share"].to_numpy(dtype=float))
    elif quantity is not None:
        for layer in layers:
            v = df[f"{quantity}_{layer}"].to_numpy(dtype=float)
            undefined = np.isnan(v)
            cols += [np.where(undefined, 0.0, v), undefined.astype(float)]
    return np.column_stack(cols)


def _ridge_fit_predict(X, y, X_test, penalty: float = RIDGE):
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    Z, Zt = (X - mu) / sd, (X_test - mu) / sd
    y0 = y.mean()
    coef = np.linalg.solve(Z.T @ Z + penalty * np.eye(Z.shape[1]), Z.T @ (y - y0))
    return Zt @ coef + y0


def cross_validate(
    df: pd.DataFrame,
    layers,
    quantity: str | None,
    target: str = "accuracy",
    degree: int | None = None,
    baseline: str = "density",
) -> pd.Series:
    """Held-out RMSE (points) per fold, one fold per seed (``degree``: of the
    density model, default :data:`DENSITY_DEGREE`; ``baseline``: one of
    :data:`BASELINES`)."""
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {BASELINES}, got {baseline!r}")
    out = {}
    for seed in sorted(df["seed"].unique()):
        train, test = df[df["seed"] != seed], df[df["seed"] == seed]
        pred = _ridge_fit_predict(
            _design(train, layers, quantity, degree, baseline),
            train[target].to_numpy(float),
            _design(test, layers, quantity, degree, baseline),
        )
        out[int(seed)] = float(np.sqrt(np.mean((pred - test[target].to_numpy(float)) ** 2)))
    return pd.Series(out, name=quantity or "density only")


#: a quantity adds information when it lowers the held-out error in at least
#: this share of folds and its mean gain exceeds this many standard errors
MIN_FOLD_SHARE, MIN_STANDARD_ERRORS = 0.8, 2.0


def fold_gains(df: pd.DataFrame, layers, target: str = "accuracy", baseline: str = "density") -> pd.DataFrame:
    """Per quantity and held-out seed: the baseline's error (``baseline``: the
    densities alone, or with the kind of mask), the error with the quantity
    added, and the gain (points). IMDB is compared on the networks whose
    records hold it (it needs the masks); the others on all."""
    frames = []
    for q in QUANTITIES:
        sub = df[df["imdb_recorded"]] if q == "imdb" else df
        if sub["seed"].nunique() < 3:
            continue
        base = cross_validate(sub, layers, None, target, baseline=baseline)
        with_q = cross_validate(sub, layers, q, target, baseline=baseline)
        frames.append(
            pd.DataFrame(
                {
                    "quantity": q,
                    "seed": base.index,
                    "networks": len(sub),
                    "rmse_density": base.to_numpy(),
                    "rmse_with": with_q.to_numpy(),
                    "gain": (base - with_q).to_numpy(),
                }
            )
        )
    return (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(columns=["quantity", "seed", "networks", "rmse_density", "rmse_with", "gain"])
    )


def predictive_test(gains: pd.DataFrame) -> pd.DataFrame:
    """Per quantity, from :func:`fold_gains`: the networks it was measured
    on, the errors (mean over folds), the gain (mean, standard error, share
    of folds improved) and whether it adds information beyond density."""
    rows = []
    for q, (label, _, source) in QUANTITIES.items():
        g = gains[gains["quantity"] == q]
        row = {
            "quantity": q,
            "label": label,
            "source": source,
            "networks": int(g["networks"].max()) if len(g) else 0,
            "folds": len(g),
            "rmse_density": g["rmse_density"].mean(),
            "rmse_with": g["rmse_with"].mean(),
            "gain": g["gain"].mean(),
            "gain_se": g["gain"].std(ddof=1) / math.sqrt(len(g)) if len(g) > 1 else math.nan,
            "folds_improved": float((g["gain"] > 0).mean()) if len(g) else math.nan,
        }
        row["adds_information"] = bool(
            len(g) and row["folds_improved"] >= MIN_FOLD_SHARE and row["gain"] > MIN_STANDARD_ERRORS * row["gain_se"]
        )
        rows.append(row)
    return pd.DataFrame(rows)
