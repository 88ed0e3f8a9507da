"""The examples in the docstrings of the pure helpers run as tests (``make test``)."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["invcam.method.encodings.positional", "invcam.method.shapes", "invcam.io.frames",
           "invcam.photometry"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0, f"{name} has no examples"
    assert result.failed == 0
