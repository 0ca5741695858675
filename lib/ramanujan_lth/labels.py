"""The names and colours a reader sees, in one place: regimes, scores,
models, kinds of mask and graph quantities. Charts, tables, verdicts and
the predictive test all read them from here, so a name is the same on
every page.

Examples
--------
>>> regime_of(3, 3), regime_of(1, 3), regime_of(0, 3)
('fully', 'partially', 'non')
>>> REGIME_NAMES[regime_of(1, 3)]
'partially Ramanujan'
"""

from __future__ import annotations

__all__ = [
    "REGIMES",
    "REGIME_NAMES",
    "REGIME_COLORS",
    "regime_of",
    "SCORE_LABELS",
    "SCORE_PAPER_KEYS",
    "MODEL_NAMES",
    "KIND_COLORS",
    "QUANTITY_NAMES",
]

#: the three regimes of SPEC §2, from most to least Ramanujan
REGIMES = ("fully", "partially", "non")
REGIME_NAMES = {"fully": "fully Ramanujan", "partially": "partially Ramanujan", "non": "non-Ramanujan"}
REGIME_COLORS = {"fully": "#bdbdbd", "partially": "#f4b6b6", "non": "#b9d7ea"}


def regime_of(n_ramanujan: int, n_layers: int) -> str:
    """The regime of a network with ``n_ramanujan`` of its ``n_layers``
    studied layers Ramanujan: fully (all), partially (some) or non (none)."""
    if n_layers < 1:
        raise ValueError("a regime needs at least one studied layer")
    if not 0 <= n_ramanujan <= n_layers:
        raise ValueError(f"{n_ramanujan} Ramanujan layers of {n_layers}")
    return "fully" if n_ramanujan == n_layers else "partially" if n_ramanujan else "non"


#: a pruning score's name on the page
SCORE_LABELS = {
    "magnitude": "IMP",
    "snip": "SNIP",
    "synflow": "SynFlow",
    "grasp": "GraSP",
    "erk": "ERK",
    "uniform": "uniform random",
}
#: a score's key in the paper's tables (:mod:`ramanujan_lth.evidence.paper`)
SCORE_PAPER_KEYS = {"magnitude": "imp", "snip": "snip", "synflow": "synflow"}

#: a model with the data it is trained on
MODEL_NAMES = {
    "lenet_300_100": "LeNet-300-100 / MNIST",
    "conv2": "Conv2 / CIFAR-10",
    "conv4": "Conv4 / CIFAR-10",
    "conv6": "Conv6 / CIFAR-10",
    "vgg19": "VGG19 / CIFAR-10",
}

#: tickets, the two kinds of control mask (SPEC §10) and the one-shot methods
KIND_COLORS = {
    "ticket": "#4c78a8",
    "biregular": "#f58518",
    "random": "#8c8c8c",
    "snip": "#54a24b",
    "synflow": "#b279a2",
    "grasp": "#e45756",
    "erk": "#9d755d",
    "uniform": "#eeca3b",
}

#: the graph quantities the verdicts compare (SPEC §9, §11), by column
QUANTITY_NAMES = {
    "delta": "max(ΔS, ΔR), clipped to ±1",
    "share": "share of Ramanujan layers",
    "r": "r = 1 − t2/db",
    "imdb": "IMDB",
    "narc": "NaRC",
    "gap": "log weighted spectral gap",
}
