"""Library of the interactive reproduction book of 'A Study on the Ramanujan
Graph Property of Winning Lottery Tickets' (Pal et al., ICML 2022)."""

from . import graphs, spectral
from .spectral import biadjacency, bipartite_spectrum, layer_report, regime

__version__ = "0.1.0"
_LAZY = ("models", "data", "train", "prune", "runs", "sweeps", "plots")
__all__ = ["graphs", "spectral", *_LAZY, "biadjacency", "bipartite_spectrum", "layer_report", "regime"]


def __getattr__(name):  # modules that import torch load on first use
    if name in _LAZY:
        import importlib

        return importlib.import_module(f".{name}", __name__)
    raise AttributeError(f"module 'ramanujan_lth' has no attribute {name!r}")
