"""The numpydoc ``Examples`` of the mathematics modules run as doctests.

Each module must keep at least one example (``attempted > 0``), so a module
that loses its examples fails here rather than silently passing.
"""

import doctest
import importlib

import pytest

MODULES = [
    "ramanujan_lth.spectral",
    "ramanujan_lth.metrics",
    "ramanujan_lth.graphs",
    "ramanujan_lth.controls",
    "ramanujan_lth.network_spectra",
    "ramanujan_lth.stats",
    "ramanujan_lth.analyse",
    "ramanujan_lth.mask_file",
    "ramanujan_lth.oneshot",
    "ramanujan_lth.labels",
]


@pytest.mark.parametrize("name", MODULES)
def test_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS, verbose=False)
    assert result.attempted > 0, f"{name} has no doctest examples"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples of {name} failed (output above)"
