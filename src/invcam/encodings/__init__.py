"""Coordinate encodings: dense multi-resolution grids and positional encoding."""

from invcam.encodings.grid import DenseGrid2D, sample_grid
from invcam.encodings.positional import positional_encoding

__all__ = ["DenseGrid2D", "positional_encoding", "sample_grid"]
