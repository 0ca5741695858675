"""Library of the interactive reproduction book of 'A Study on the Ramanujan
Graph Property of Winning Lottery Tickets' (Pal et al., ICML 2022).

The folders follow the import graph, each using only those above it:
``maths`` (graph mathematics, no torch) and the two sheets every layer reads
(``catalog``: what a run can be made of; ``labels``: what a reader calls it);
``networks`` (models, data, training, pruning); ``storage`` (runs on disk);
``pages`` (charts and tables); ``evidence`` (the studies and their verdicts);
``batch`` and ``your_network`` on top. Every module is also reachable by its
own name, ``from ramanujan_lth import studies, plots``, loaded on first use
(modules that import torch are not loaded by ``import ramanujan_lth``).
"""

import importlib
import pkgutil
from pathlib import Path

from ramanujan_lth.maths import graphs as graphs
from ramanujan_lth.maths import spectral as spectral
from ramanujan_lth.maths.spectral import biadjacency as biadjacency
from ramanujan_lth.maths.spectral import bipartite_spectrum as bipartite_spectrum

__version__ = "0.1.0"
# module name -> its folder, read from the package's folders (a module moved is found where it is)
MODULES = {
    info.name: folder.name
    for folder in sorted(Path(__file__).parent.iterdir())
    if (folder / "__init__.py").is_file()
    for info in pkgutil.iter_modules([str(folder)])
}
_NAMES = {"layer_report": "network_spectra", "regime": "network_spectra"}
__all__ = ["catalog", "labels", *MODULES, "biadjacency", "bipartite_spectrum", *_NAMES]


def __getattr__(name):
    if name in MODULES:
        return importlib.import_module(f"{__name__}.{MODULES[name]}.{name}")
    if name in _NAMES:
        return getattr(__getattr__(_NAMES[name]), name)
    raise AttributeError(f"module 'ramanujan_lth' has no attribute {name!r}")
