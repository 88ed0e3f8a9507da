"""Scene model (paper Sec. 3.1): deformation D(x, y, i) -> q and atlas A(q) -> irradiance."""

from invcam.method.scene.atlas import Atlas
from invcam.method.scene.deformation import Deformation

__all__ = ["Atlas", "Deformation"]
