"""Coordinate encodings: dense multi-resolution grids and positional encoding."""

from invcam.method.encodings.grid import DenseGrid2D, sample_grid
from invcam.method.encodings.positional import positional_encoding

__all__ = ["DenseGrid2D", "positional_encoding", "sample_grid"]
