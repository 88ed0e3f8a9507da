"""Camera model (paper Sec. 3.2-3.3): blur generator and tone mapper."""

from invcam.method.camera.blur import BlurGenerator, blur_irradiance, patch_grid
from invcam.method.camera.tonemap import ToneMapper

__all__ = ["BlurGenerator", "ToneMapper", "blur_irradiance", "patch_grid"]
