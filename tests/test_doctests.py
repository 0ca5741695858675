"""The numpydoc ``Examples`` of the mathematics modules run as doctests.

Each module must keep at least one example (``attempted > 0``), so a module
that loses its examples fails here rather than silently passing.
"""

import doctest
import importlib

import pytest

MODULES = [
    "ramanujan_lth.maths.spectral",
    "ramanujan_lth.maths.metrics",
    "ramanujan_lth.maths.graphs",
    "ramanujan_lth.networks.controls",
    "ramanujan_lth.networks.network_spectra",
    "ramanujan_lth.maths.stats",
    "ramanujan_lth.your_network.analyse",
    "ramanujan_lth.your_network.mask_file",
    "ramanujan_lth.networks.oneshot",
    "ramanujan_lth.labels",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0, f"{name} has no doctest examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed (output above)"
