"""Library of the interactive reproduction book of 'A Study on the Ramanujan
Graph Property of Winning Lottery Tickets' (Pal et al., ICML 2022)."""

import importlib

from . import graphs, spectral
from .spectral import biadjacency, bipartite_spectrum

__version__ = "0.1.0"
_LAZY = ("models", "data", "train", "prune", "network_spectra", "runs", "sweeps", "plots")
_LAZY_NAMES = {"layer_report": "network_spectra", "regime": "network_spectra"}
__all__ = ["graphs", "spectral", *_LAZY, "biadjacency", "bipartite_spectrum", *_LAZY_NAMES]


def __getattr__(name):  # modules that import torch load on first use
    if name in _LAZY:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module 'ramanujan_lth' has no attribute {name!r}")
