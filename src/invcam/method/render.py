"""Forward control (paper Sec. 1): re-expose the recovered scene through the learned camera.

References:
    - X. Huang, Q. Zhang, Y. Feng, H. Li, Q. Wang. "Inverting the Imaging Process by
      Learning an Implicit Camera Model." CVPR 2023. Sec. 1 (forward control), Eq. 9.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from invcam.errors import OptionError


def render_model(model, exposure: float | None = None, ev: float | None = None,
                 blur_of: int | None = None, frame: int | None = None,
                 linear: bool = False) -> np.ndarray:
    """Render the scene at a new exposure, all in focus or with image ``blur_of``'s blur.

    Args:
        model: a fitted :class:`~invcam.method.imaging.ImagingModel`.
        exposure: exposure time in seconds, or
        ev: stops relative to the reference image's exposure time.
        blur_of: index of the image whose learned PSF (and geometry) to use.
        frame: render in this frame's geometry (video, moving scene); default: the
            reference image's.
        linear: return the sensor exposure (irradiance times exposure time, linear HDR,
            in the units of radiance.exr times seconds) instead of display values.

    Returns:
        ``(H, W, 3)`` display values in [0, 1] through the learned response curve (Eq. 9),
        or linear values when ``linear``. A bad value raises an
        :class:`~invcam.errors.OptionError` naming its parameter.
    """
    with torch.no_grad():
        log2_t = _log2_exposure(model, exposure, ev)
        _check_index(model, blur_of, frame)
        if blur_of is None:
            log2r = model.render_log2(model.reference if frame is None else frame)
        else:
            log2r = model.render_blurry_log2(blur_of)
        if linear:
            return torch.exp2(log2r + log2_t).cpu().numpy()
        return model.tonemap(log2r + log2_t).clamp(0, 1).cpu().numpy()


def _log2_exposure(model, exposure: float | None, ev: float | None) -> float:
    """log2 of the exposure time asked for (seconds, or stops from the reference's)."""
    if exposure is not None:
        if not (exposure > 0 and math.isfinite(exposure)):
            raise OptionError("exposure",
                              f"{{option}} {exposure}: must be a positive number of seconds")
        return math.log2(exposure)
    if not math.isfinite(ev) or abs(ev) > 64:
        raise OptionError("ev", f"{{option}} {ev}: must be a number of stops between -64 and 64")
    return float(model.log2_exposures()[model.reference]) + ev


def _check_index(model, blur_of: int | None, frame: int | None) -> None:
    b = model.num_images
    for name, value in (("blur_of", blur_of), ("frame", frame)):
        if value is not None and not 0 <= value < b:
            raise OptionError(name, f"{{option}} {value}: the model has images 0..{b - 1}")
    if blur_of is not None and frame is not None and blur_of != frame:
        raise OptionError("frame", "{blur_of} and {option} name different images; give one "
                          "of them")



def render_inputs(model, stride: int = 1) -> torch.Tensor:
    """Every input image as the model renders it (:meth:`ImagingModel.render_image`) at
    the pixels ``[stride // 2 :: stride]`` of each axis: ``(B, H', W', 3)`` display values
    in (0, 1), on the model's device. Comparing these with the same pixels of the inputs
    shows what the model does not explain (moving objects' ghosts in a static fit)."""
    return torch.stack([model.render_image(b, stride) for b in range(model.num_images)])
