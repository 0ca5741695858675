"""The Ramanujan-bound-preserving pruner: the paper's Algorithm 1 (book/methods.md §5).

For each prunable layer, given its scores ``θ`` (any registered score), its
rate ``p`` and a level ``K``:

1. for ``k = 0 .. K-1`` the candidate prunes the lowest ``p / 2^k`` of the
   layer's remaining weights by score;
2. if the candidate's smaller average degree is below 2 (``guard="average"``,
   Algorithm 1) — or some non-isolated vertex has degree below 2
   (``guard="minimum"``, the text's wording) — the layer stays unpruned this
   round and no further ``k`` is tried (layer-collapse guard);
3. if ``max(ΔS, ΔR) > 0`` on the unweighted candidate it is accepted;
4. else, if on the score-weighted candidate ``ΔS^θ >= 0`` and ``t1^θ >= 1``, it
   is accepted;
5. else ``k`` grows; when no ``k`` is accepted the layer stays as it was.

Every candidate tried is recorded with its Δ values and the decision, so a
reader can see why a layer stopped.

``criteria`` replaces steps 3-4 by single bounds of the paper's Table 1
(the earlier version's appendix A.1 runs them one at a time): ``UE``/``UD``,
the eigenvalue/degree bound of the unweighted candidate; ``WE``/``WD``, those
of its weighted graph ``|W| * M`` on the trained weights (``WD``'s average
degrees sum the weights over non-isolated vertices and must exceed 1, the
paper's "average degree > 1"). A candidate is accepted when the Δ of one of
the given criteria is positive; the collapse guard stays. :func:`bound_prune` runs one round over
all layers; the pipeline in :mod:`ramanujan_lth.storage.runs` repeats rounds until no
layer changes.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch

from ramanujan_lth.catalog import CRITERIA, GUARDS, check_criteria
from ramanujan_lth.maths.spectral import biadjacency, bipartite_spectrum
from ramanujan_lth.networks.prune import keep_top

__all__ = ["Candidate", "LayerDecision", "bound_prune_layer", "bound_prune", "GUARDS", "CRITERIA"]


@dataclass
class Candidate:
    k: int
    fraction: float
    n_pruned: int
    remaining: int
    d_avg_left: float
    d_avg_right: float
    min_degree: int
    t1: float
    t2: float
    delta_s: float
    delta_r: float
    score_t1: float = math.nan
    score_t2: float = math.nan
    score_delta_s: float = math.nan
    decision: str = ""  # "accept", "reject", "guard"
    reason: str = ""
    criteria: dict = field(default_factory=dict)  # criterion -> Δ, when criteria are given
    accepted_by: str = ""


@dataclass
class LayerDecision:
    layer: str
    changed: bool
    accepted_k: int | None
    reason: str
    candidates: list = field(default_factory=list)

    def as_dict(self) -> dict:
        d = asdict(self)
        d["candidates"] = [asdict(c) for c in self.candidates]
        return d


def _min_degree(B: np.ndarray) -> int:
    deg = np.concatenate([(B != 0).sum(axis=1), (B != 0).sum(axis=0)])
    deg = deg[deg > 0]
    return int(deg.min()) if deg.size else 0


def _criterion_deltas(criteria, rec, cand, weight, method) -> dict:
    """Δ of each criterion on a candidate (``rec``: its unweighted spectrum)."""
    out, wrec = {}, None
    for c in criteria:
        graph, bound = CRITERIA[c]
        if graph == "weighted":
            if wrec is None:
                wrec = bipartite_spectrum(biadjacency(weight * cand), method=method)
            r = wrec
            if bound == "degree" and not (r.d_avg_left > 1 and r.d_avg_right > 1):
                out[c] = math.nan  # WD's guard: average degree > 1
                continue
        else:
            r = rec
        out[c] = r.delta_s if bound == "eigenvalue" else r.delta_r
    return out


def bound_prune_layer(
    name: str,
    mask: torch.Tensor,
    score: torch.Tensor,
    p: float,
    K: int = 5,
    guard: str = "average",
    method: str = "auto",
    criteria=None,
    weight: torch.Tensor | None = None,
) -> tuple[torch.Tensor, LayerDecision]:
    """Algorithm 1 on one layer; returns the new mask and the decision record.

    ``criteria``: single bounds (see the module's text) instead of Algorithm
    1's steps 3-4; ``WE``/``WD`` need the layer's trained ``weight``."""
    criteria = check_criteria(criteria)
    if criteria and any(CRITERIA[c][0] == "weighted" for c in criteria) and weight is None:
        raise ValueError(f"criteria {list(criteria)} need the layer's trained weight")
    weight = weight.detach().abs().to(torch.float64).cpu() if weight is not None else None
    if not 0 < p < 1:
        raise ValueError(f"p must be in (0, 1), got {p}")
    if K < 1:
        raise ValueError(f"K must be >= 1, got {K}")
    if guard not in GUARDS:
        raise ValueError(f"guard must be one of {GUARDS}, got {guard!r}")
    remaining = int(mask.sum())
    abs_score = score.detach().abs().to(torch.float64).cpu()
    cands = []
    for k in range(K):
        frac = p / 2**k
        n_prune = int(round(frac * remaining))
        if n_prune == 0:
            cands.append(
                Candidate(
                    k,
                    frac,
                    0,
                    remaining,
                    math.nan,
                    math.nan,
                    0,
                    math.nan,
                    math.nan,
                    math.nan,
                    math.nan,
                    decision="reject",
                    reason="rate rounds to zero weights",
                )
            )
            return mask.clone(), LayerDecision(name, False, None, "nothing left to prune at this rate", cands)
        cand = keep_top(abs_score, mask, remaining - n_prune)
        B = biadjacency(cand)
        rec = bipartite_spectrum(B, method=method)
        c = Candidate(
            k,
            frac,
            n_prune,
            remaining - n_prune,
            rec.d_avg_left,
            rec.d_avg_right,
            _min_degree(B),
            rec.t1,
            rec.t2,
            rec.delta_s,
            rec.delta_r,
        )
        cands.append(c)
        collapsing = (
            (min(rec.d_avg_left, rec.d_avg_right) < 2 or math.isnan(rec.d_avg_left))
            if guard == "average"
            else c.min_degree < 2
        )
        if collapsing:
            c.decision, c.reason = "guard", f"layer-collapse guard ({guard} degree < 2)"
            return mask.clone(), LayerDecision(name, False, None, c.reason, cands)
        if criteria:
            c.criteria = _criterion_deltas(criteria, rec, cand, weight, method)
            passed = [k_ for k_, d in c.criteria.items() if d > 0]  # NaN compares False
            if passed:
                c.decision, c.accepted_by = "accept", passed[0]
                c.reason = f"{passed[0]}: Δ > 0"
                return cand, LayerDecision(name, True, k, c.reason, cands)
            c.decision, c.reason = "reject", f"no criterion of {'/'.join(criteria)} has Δ > 0: halve the rate"
            continue
        if rec.ramanujan:
            c.decision, c.reason, c.accepted_by = "accept", "unweighted bounds: max(ΔS, ΔR) > 0", "unweighted"
            return cand, LayerDecision(name, True, k, c.reason, cands)
        srec = bipartite_spectrum(biadjacency(abs_score * cand), method=method)
        c.score_t1, c.score_t2, c.score_delta_s = srec.t1, srec.t2, srec.delta_s
        if srec.delta_s >= 0 and srec.t1 >= 1:  # NaN compares False
            c.decision, c.reason = "accept", "score-weighted bound: ΔS^θ >= 0 and t1^θ >= 1"
            c.accepted_by = "score-weighted"
            return cand, LayerDecision(name, True, k, c.reason, cands)
        c.decision, c.reason = "reject", "neither bound holds: halve the rate"
    return mask.clone(), LayerDecision(name, False, None, f"no k < {K} accepted", cands)


def bound_prune(
    masks: dict,
    scores: dict,
    rates: dict,
    K: int = 5,
    guard: str = "average",
    layers=None,
    method: str = "auto",
    criteria=None,
    weights: dict | None = None,
) -> tuple[dict, list]:
    """One round of Algorithm 1 over the layers in ``layers`` (default: all).

    ``rates``: layer -> pruning percentile ``p`` (as a fraction). Returns the
    new masks and one :class:`LayerDecision` per layer considered.
    ``criteria``/``weights``: see :func:`bound_prune_layer` (weights by layer).
    """
    out = {n: m.clone() for n, m in masks.items()}
    decisions = []
    for name in layers if layers is not None else list(masks):
        out[name], d = bound_prune_layer(
            name,
            masks[name],
            scores[name],
            rates[name],
            K,
            guard,
            method,
            criteria,
            None if weights is None else weights[name],
        )
        decisions.append(d)
    return out, decisions
