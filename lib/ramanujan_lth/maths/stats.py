"""Statistical significance of the Ramanujan–LTH link (book/methods.md §7, paper A.5).

* Δ test, per layer and round, over runs: one-sided one-sample t-test of
  ``H0: max(ΔS, ΔR) >= 0`` against ``H1: max(ΔS, ΔR) < 0``;
* accuracy-drop test, per round: ``H0: (a0 - a_t) / a0 <= k`` against
  ``H1: > k``, on the per-run relative drops, for each ``k``.

Both use ``scipy.stats.ttest_1samp``; confidence bounds are the two-sided
``1 - alpha`` interval of the mean from the t distribution.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["one_sided_t", "delta_tests", "loss_points", "accuracy_drop_tests"]


def one_sided_t(x, mu: float, alternative: str, alpha: float = 0.05) -> dict:
    """t-test of the mean of ``x`` against ``mu`` with the given alternative
    (``"less"`` or ``"greater"``), plus the mean and its ``1 - alpha`` bounds.

    Fewer than two finite values, or a sample with no spread, give NaN and
    no rejection (an infinite Δ — a complete layer — is never "below 0").

    Examples
    --------
    Mean -2, standard deviation 1, 3 values: ``t = -2 / (1 / sqrt(3)) = -3.4641``, p < 0.05;
    the bounds are ``-2 ± 4.3027 / sqrt(3)`` (``t(0.975, 2 dof) = 4.3027``).

    >>> r = one_sided_t([-1.0, -2.0, -3.0], 0.0, "less")
    >>> r["mean"], round(r["t"], 4), round(r["p"], 4), r["rejected"]
    (-2.0, -3.4641, 0.0371, True)
    >>> round(float(r["lower"]), 4), round(float(r["upper"]), 4)
    (-4.4841, 0.4841)

    No spread, or an infinite value: no test.

    >>> one_sided_t([1.0, 1.0, 1.0], 0.0, "less")["rejected"], one_sided_t([float("inf"), 1.0], 0.0, "less")["t"]
    (False, nan)
    """
    x = np.asarray(x, dtype=float)
    out = {
        "n": int(x.size),
        "mean": float(np.mean(x)) if x.size else np.nan,
        "lower": np.nan,
        "upper": np.nan,
        "t": np.nan,
        "p": np.nan,
        "rejected": False,
    }
    if x.size < 2 or not np.all(np.isfinite(x)):
        return out
    sd = x.std(ddof=1)
    if sd == 0:
        return out
    res = stats.ttest_1samp(x, mu, alternative=alternative)
    half = stats.t.ppf(1 - alpha / 2, x.size - 1) * sd / np.sqrt(x.size)
    out.update(
        lower=out["mean"] - half,
        upper=out["mean"] + half,
        t=float(res.statistic),
        p=float(res.pvalue),
        rejected=bool(res.pvalue < alpha),
    )
    return out


def delta_tests(spec: pd.DataFrame, layers, graph: str = "unweighted", alpha: float = 0.05) -> pd.DataFrame:
    """Per (layer, round): the t-test of ``H0: max(ΔS, ΔR) >= 0`` over runs.

    ``spec`` is :func:`ramanujan_lth.evidence.results.spectral_table`'s long table.
    ``rejected`` means the layer has lost the property at that round.

    Examples
    --------
    Three runs; ``max(ΔS, ΔR)`` is clearly positive at round 0 and clearly negative at round 1.

    >>> import pandas as pd
    >>> spec = pd.DataFrame({"graph": "unweighted", "layer": "fc1", "round": [0, 0, 0, 1, 1, 1],
    ...     "max_delta": [1.0, 1.2, 0.8, -0.5, -0.6, -0.4], "overall_density": [1.0] * 3 + [0.8] * 3,
    ...     "density": [1.0] * 3 + [0.8] * 3})
    >>> delta_tests(spec, ["fc1"])[["layer", "round", "mean", "rejected"]].round(4)
      layer  round  mean  rejected
    0   fc1      0   1.0     False
    1   fc1      1  -0.5      True
    """
    df = spec[(spec["graph"] == graph) & spec["layer"].isin(layers)]
    rows = []
    for (layer, rnd), g in df.groupby(["layer", "round"], sort=False):
        r = one_sided_t(g["max_delta"], 0.0, "less", alpha)
        rows.append(
            {
                "layer": layer,
                "round": rnd,
                "overall_density": g["overall_density"].mean(),
                "layer_density": g["density"].mean(),
                **r,
            }
        )
    return pd.DataFrame(rows)


def loss_points(tests: pd.DataFrame) -> pd.DataFrame:
    """Tables 4 and 5 of the paper: per layer, the first round where ``H0`` is
    rejected (the property is lost), with the layer's density in percent, the
    sample mean of ``max(ΔS, ΔR)`` and its confidence bounds.

    Examples
    --------
    Layer ``fc1`` loses the property at round 1 (density 80 %); ``fc2`` never does.

    >>> import pandas as pd
    >>> tests = pd.DataFrame({"layer": ["fc1", "fc1", "fc2"], "round": [0, 1, 0], "rejected": [False, True, False],
    ...     "layer_density": [1.0, 0.8, 1.0], "overall_density": [1.0, 0.8, 1.0], "mean": [1.0, -0.5, 0.9],
    ...     "upper": [1.5, -0.25, 1.2], "lower": [0.5, -0.75, 0.6], "p": [0.99, 0.007, 0.98], "n": 3})
    >>> loss_points(tests)[["layer", "round", "layer density %", "sample mean", "runs"]]
      layer  round  layer density %  sample mean  runs
    0   fc1    1.0             80.0         -0.5     3
    1   fc2    NaN              NaN          NaN     3
    """
    rows = []
    for layer, g in tests.groupby("layer", sort=False):
        g = g.sort_values("round")
        lost = g[g["rejected"]]
        if len(lost):
            r = lost.iloc[0]
            rows.append(
                {
                    "layer": layer,
                    "round": int(r["round"]),
                    "layer density %": 100 * r["layer_density"],
                    "overall density %": 100 * r["overall_density"],
                    "sample mean": r["mean"],
                    "upper mean": r["upper"],
                    "lower mean": r["lower"],
                    "p": r["p"],
                    "runs": r["n"],
                }
            )
        else:
            rows.append(
                {
                    "layer": layer,
                    "round": None,
                    "layer density %": np.nan,
                    "overall density %": np.nan,
                    "sample mean": np.nan,
                    "upper mean": np.nan,
                    "lower mean": np.nan,
                    "p": np.nan,
                    "runs": int(g["n"].max()),
                }
            )
    return pd.DataFrame(rows)


def accuracy_drop_tests(
    acc: pd.DataFrame, ks=(0.001, 0.01, 0.05), sigma: float = 0.0, alpha: float = 0.05
) -> pd.DataFrame:
    """Per (k, round): the t-test of ``H0: (a0 - a_t) / a0 <= k`` over runs, on
    the test set with noise ``sigma`` (0 = clean). ``rejected`` means accuracy
    has dropped by more than ``k`` (relative).

    Examples
    --------
    Three seeds lose about 10 % (relative) at round 1: more than ``k = 0.01``, not more than ``k = 0.2``.

    >>> import pandas as pd
    >>> acc = pd.DataFrame({"sigma": 0.0, "seed": [0, 1, 2] * 2, "round": [0, 0, 0, 1, 1, 1],
    ...     "accuracy": [0.98, 0.99, 0.97, 0.88, 0.90, 0.86], "density": [1.0] * 3 + [0.8] * 3})
    >>> res = accuracy_drop_tests(acc, ks=(0.01, 0.2))
    >>> res[res["round"] == 1][["k", "mean_drop", "rejected"]].round(4)
          k  mean_drop  rejected
    2  0.01     0.1021      True
    3  0.20     0.1021     False
    """
    a = acc[acc["sigma"] == sigma]
    base = a[a["round"] == 0].set_index("seed")["accuracy"]
    rows = []
    for rnd, g in a.groupby("round"):
        g = g.set_index("seed")
        drop = (base.loc[g.index] - g["accuracy"]) / base.loc[g.index]
        for k in ks:
            r = one_sided_t(drop.to_numpy(), k, "greater", alpha)
            rows.append(
                {
                    "k": k,
                    "round": rnd,
                    "density": g["density"].mean(),
                    "mean_drop": r["mean"],
                    "lower": r["lower"],
                    "upper": r["upper"],
                    "t": r["t"],
                    "p": r["p"],
                    "rejected": r["rejected"],
                }
            )
    return pd.DataFrame(rows)
