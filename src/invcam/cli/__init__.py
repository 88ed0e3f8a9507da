"""The ``invcam`` command line: parse, call the library, write (:mod:`invcam.cli.main`)."""

from invcam.cli.main import main

__all__ = ["main"]
