"""Does a spectral quantity predict accuracy beyond the layers' densities?

Every trained network — each round of each ticket run, each control — is a
row: its seed, its kind, each studied layer's density and graph quantities,
and its test accuracy. A ridge regression predicts accuracy from the log
densities alone (with their powers up to a degree chosen by
:func:`choose_degree`), and again with one spectral quantity added;
cross-validation holds out whole seeds, so a network is never predicted
from its own seed's other rounds. The gain of a quantity is the drop in
held-out root-mean-square error, fold by fold, and its *sign* in a fold the
sign of the sum of its standardised coefficients: positive when more of it
(better connected) goes with higher accuracy, as the paper has it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ramanujan_lth.catalog import ONESHOT_METHODS
from ramanujan_lth.labels import QUANTITY_NAMES
from ramanujan_lth.maths import metrics

__all__ = [
    "BASELINES",
    "QUANTITIES",
    "network_table",
    "cross_validate",
    "fold_gains",
    "predictive_test",
    "degree_errors",
    "choose_degree",
    "degree_for",
    "DEGREES",
    "RIDGE",
    "DENSITY_DEGREE",
]

#: ridge penalty on standardised features
RIDGE = 1.0
#: powers of each layer's log density in the density-only model when no
#: degree is given; the verdicts choose theirs with :func:`choose_degree`
#: (a rigid density model would make any quantity that varies with the
#: round look informative)
DENSITY_DEGREE = 4
#: the quantities compared, column -> (label, per layer?, where it comes from)
QUANTITIES = {
    q: (QUANTITY_NAMES[q], per_layer, source)
    for q, per_layer, source in [
        ("delta", True, "paper"),
        ("share", False, "paper"),
        ("r", True, "later"),
        ("imdb", True, "later"),
        ("narc", True, "later"),
        ("gap", True, "later"),
    ]
}


def _rows_of(res, kind: str, layers, sigmas, rnd=None) -> list[dict]:
    """``rnd``: the ticket round a one-shot run is matched to (its own record is round 0)."""
    rows = []
    for rec in res.records:
        spec = pd.DataFrame(rec["spectral"])
        unw = spec[spec["graph"] == "unweighted"]
        recorded = "imdb" in unw.columns  # records from before the later measures lack IMDB (it needs the masks)
        unw = metrics.fill_derived(unw).set_index("layer")
        wei = metrics.fill_derived(spec[spec["graph"] == "weighted"]).set_index("layer")
        at = rnd if rnd is not None else res.params.control_round if res.params.control else rec["round"]
        row = {
            "seed": res.params.seed,
            "kind": kind,
            "run": res.folder.name,
            "round": at,
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


def network_table(tickets: list, controls: list, layers, oneshot=()) -> pd.DataFrame:
    """One row per trained network: every round of the ``tickets`` runs, each
    of the ``controls`` runs (kind from its parameters) and each ``oneshot``
    run (kind: its method; round: its seed's ticket round of the nearest density)."""
    sigmas = sorted({s for r in [*tickets, *controls, *oneshot] for s in r.records[0]["noisy_accuracy"]}, key=float)
    rows = []
    for res in tickets:
        rows += _rows_of(res, "ticket", layers, sigmas)
    for res in controls:
        rows += _rows_of(res, res.params.control, layers, sigmas)
    by_seed = {t.params.seed: t for t in tickets}
    for res in oneshot:
        ticket = by_seed.get(res.params.seed)
        if ticket is None:
            continue
        d = math.log(res.records[0]["density"])
        rnd = min(ticket.records, key=lambda r: abs(math.log(r["density"]) - d))["round"]
        rows += _rows_of(res, res.params.score, layers, sigmas, rnd=rnd)
    return pd.DataFrame(rows)


#: every kind of mask a network table holds: tickets, the controls, the one-shot methods
MASK_KINDS = ("ticket", "random", "biregular", *ONESHOT_METHODS)
#: what the baseline model knows besides the quantity: the layers' densities, or
#: the densities and the kind of mask (:data:`MASK_KINDS`)
BASELINES = ("density", "density and kind")


def _design(
    df: pd.DataFrame, layers, quantity: str | None, degree: int = None, baseline: str = "density"
) -> tuple[np.ndarray, list[int]]:
    """The features, and which of them are the quantity's values (not its undefined flags)."""
    degree = degree or DENSITY_DEGREE
    cols = []
    if baseline == "density and kind":
        cols += [(df["kind"] == k).to_numpy(float) for k in MASK_KINDS[1:]]  # absent kinds: zero columns
    for layer in layers:
        x = np.log(df[f"density_{layer}"].to_numpy(dtype=float))
        cols += [x**k for k in range(1, degree + 1)]
    values = []
    if quantity == "share":
        values.append(len(cols))
        cols.append(df["share"].to_numpy(dtype=float))
    elif quantity is not None:
        for layer in layers:
            v = df[f"{quantity}_{layer}"].to_numpy(dtype=float)
            undefined = np.isnan(v)
            values.append(len(cols))
            cols += [np.where(undefined, 0.0, v), undefined.astype(float)]
    return np.column_stack(cols), values


def _ridge_fit_predict(X, y, X_test, penalty: float = RIDGE):
    """Predictions for ``X_test`` and the coefficients of the standardised features."""
    mu, sd = X.mean(axis=0), X.std(axis=0)
    sd[sd == 0] = 1.0
    Z, Zt = (X - mu) / sd, (X_test - mu) / sd
    y0 = y.mean()
    coef = np.linalg.solve(Z.T @ Z + penalty * np.eye(Z.shape[1]), Z.T @ (y - y0))
    return Zt @ coef + y0, coef


def _folds(df, layers, quantity, target, degree, baseline) -> pd.DataFrame:
    """Per held-out seed: the RMSE (points) and the sign of the sum of the
    quantity's standardised value coefficients (0 without a quantity)."""
    if baseline not in BASELINES:
        raise ValueError(f"baseline must be one of {BASELINES}, got {baseline!r}")
    rows = []
    for seed in sorted(df["seed"].unique()):
        train, test = df[df["seed"] != seed], df[df["seed"] == seed]
        X, values = _design(train, layers, quantity, degree, baseline)
        pred, coef = _ridge_fit_predict(
            X, train[target].to_numpy(float), _design(test, layers, quantity, degree, baseline)[0]
        )
        rows.append(
            {
                "seed": int(seed),
                "rmse": float(np.sqrt(np.mean((pred - test[target].to_numpy(float)) ** 2))),
                "sign": int(np.sign(coef[values].sum())) if values else 0,
            }
        )
    return pd.DataFrame(rows, columns=["seed", "rmse", "sign"])


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
    folds = _folds(df, layers, quantity, target, degree, baseline)
    return pd.Series(folds["rmse"].to_numpy(), index=folds["seed"].to_numpy(), name=quantity or "density only")


#: the polynomial degrees of the density model tried by :func:`choose_degree`
DEGREES = range(1, 7)
#: :func:`choose_degree` takes the smallest degree within this share of the best held-out error
DEGREE_TOLERANCE = 0.01


def degree_errors(df: pd.DataFrame, layers, target: str = "accuracy") -> pd.Series:
    """The density-only model's held-out error (points, mean over folds) by polynomial degree."""
    return pd.Series({d: cross_validate(df, layers, None, target, degree=d).mean() for d in DEGREES}, name="error")


def degree_for(df: pd.DataFrame, layers, target: str = "accuracy") -> int:
    """:func:`choose_degree` over ``df``'s networks (:data:`DENSITY_DEGREE` with fewer than three seeds)."""
    if df.empty or df["seed"].nunique() < 3:
        return DENSITY_DEGREE
    return choose_degree(degree_errors(df, layers, target))


def choose_degree(errors: pd.Series) -> int:
    """The smallest degree whose held-out error is within :data:`DEGREE_TOLERANCE` of the best (from
    :func:`degree_errors`)."""
    return int(errors.index[errors <= errors.min() * (1 + DEGREE_TOLERANCE)][0])


#: a quantity adds information when it lowers the held-out error in at least
#: this share of folds and its mean gain exceeds this many standard errors
MIN_FOLD_SHARE, MIN_STANDARD_ERRORS = 0.8, 2.0


def fold_gains(
    df: pd.DataFrame, layers, target: str = "accuracy", baseline: str = "density", degree: int | None = None
) -> pd.DataFrame:
    """Per quantity and held-out seed: the baseline's error (``baseline``: the
    densities alone, or with the kind of mask), the error with the quantity
    added, the gain (points) and the sign of the quantity's coefficients in
    that fold (+1: more of it, higher accuracy). IMDB is compared on the
    networks whose records hold it (it needs the masks); the others on all."""
    frames = []
    for q in QUANTITIES:
        sub = df[df["imdb_recorded"]] if q == "imdb" else df
        if sub["seed"].nunique() < 3:
            continue
        base = _folds(sub, layers, None, target, degree, baseline)
        with_q = _folds(sub, layers, q, target, degree, baseline)
        frames.append(
            pd.DataFrame(
                {
                    "quantity": q,
                    "seed": base["seed"].to_numpy(),
                    "networks": len(sub),
                    "rmse_density": base["rmse"].to_numpy(),
                    "rmse_with": with_q["rmse"].to_numpy(),
                    "gain": (base["rmse"] - with_q["rmse"]).to_numpy(),
                    "sign": with_q["sign"].to_numpy(),
                }
            )
        )
    columns = ["quantity", "seed", "networks", "rmse_density", "rmse_with", "gain", "sign"]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)


def predictive_test(gains: pd.DataFrame) -> pd.DataFrame:
    """Per quantity, from :func:`fold_gains`: the networks it was measured
    on, the errors (mean over folds), the gain (mean, standard error, share
    of folds improved), the share of folds where its sign is the paper's
    (positive), whether it adds information beyond the baseline, and whether
    it *supports* the paper (adds information with the paper's sign in at
    least :data:`MIN_FOLD_SHARE` of folds) or *contradicts* it (adds
    information with the opposite sign as often)."""
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
            "positive_share": float((g["sign"] > 0).mean()) if len(g) else math.nan,
        }
        adds = bool(
            len(g) and row["folds_improved"] >= MIN_FOLD_SHARE and row["gain"] > MIN_STANDARD_ERRORS * row["gain_se"]
        )
        negative = float((g["sign"] < 0).mean()) if len(g) else math.nan
        row["adds_information"] = adds
        row["supports"] = adds and row["positive_share"] >= MIN_FOLD_SHARE
        row["contradicts"] = adds and negative >= MIN_FOLD_SHARE
        rows.append(row)
    return pd.DataFrame(rows)
