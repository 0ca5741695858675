"""Library of the interactive reproduction book of 'A Study on the Ramanujan
Graph Property of Winning Lottery Tickets' (Pal et al., ICML 2022)."""
from . import graphs, spectral
from .spectral import biadjacency, bipartite_spectrum, layer_report, regime

__version__ = "0.1.0"
__all__ = ["graphs", "spectral", "models", "biadjacency", "bipartite_spectrum", "layer_report", "regime"]


def __getattr__(name):  # models imports torch: load it on first use
    if name == "models":
        import importlib

        return importlib.import_module(".models", __name__)
    raise AttributeError(name)
