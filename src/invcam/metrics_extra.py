"""Perceptual HDR metrics from other packages, on the scale-aligned, normalized pair.

- HDR-FLIP (Andersson et al. 2021, package ``flip-evaluator``, a default dependency):
  mean HDR-FLIP error of ``p`` against ``g`` as linear RGB; FLIP picks its exposure range
  from the reference. 0 is identical, lower is better.
- ColorVideoVDP (Mantiuk et al. 2024, package ``cvvdp``, optional: ``pip install
  invcam[metrics-extra]``): JOD with the ``standard_hdr_linear`` display model (peak
  1500 cd/m^2); the normalized images are shown with 1.0 = ``JOD_PEAK`` = 1500 cd/m^2.
  10 is identical, higher is better.
- LPIPS (Zhang et al. 2018, package ``lpips``, optional): AlexNet variant on the mu-law
  tone-mapped pair, as in the paper (Sec. 4.2). Its backbone weights are downloaded on
  first use; offline it is reported unavailable. 0 is identical, lower is better.

An optional metric that cannot run raises :class:`MetricUnavailable` inside and is left
out of the scores, with its reason in the ``unavailable`` mapping.

References:
    - P. Andersson, J. Nilsson, P. Shirley, T. Akenine-Möller. "Visualizing Errors in
      Rendered High Dynamic Range Images." Eurographics 2021 (HDR-FLIP).
    - R. K. Mantiuk, P. Hanji, M. Ashraf, Y. Asano, A. Chapiro. "ColorVideoVDP: A Visual
      Difference Predictor for Image, Video and Display Distortions." ACM TOG 43(4), 2024.
    - R. Zhang, P. Isola, A. A. Efros, E. Shechtman, O. Wang. "The Unreasonable
      Effectiveness of Deep Features as a Perceptual Metric." CVPR 2018 (LPIPS).
"""

from __future__ import annotations

import socket
from collections.abc import Callable

import numpy as np

from invcam.metrics import MU, mu_law

JOD_PEAK = 1500.0
OPTIONAL = ("jod", "lpips")


class MetricUnavailable(RuntimeError):
    """An optional metric's package, or the data it needs, is not available."""


_LOADED: dict[str, object] = {}


def _load_once(name: str, loader: Callable[[], object]) -> object:
    """``loader()`` once per process; a failure is remembered and raised again."""
    if name not in _LOADED:
        try:
            _LOADED[name] = loader()
        except MetricUnavailable as exc:
            _LOADED[name] = exc
    if isinstance(_LOADED[name], MetricUnavailable):
        raise _LOADED[name]
    return _LOADED[name]


def hdr_flip(p: np.ndarray, g: np.ndarray) -> float:
    """Mean HDR-FLIP error of normalized ``(H, W, 3)`` linear RGB ``p`` against ``g``."""
    import flip_evaluator

    ref = np.ascontiguousarray(g, dtype=np.float32)
    test = np.ascontiguousarray(p, dtype=np.float32)
    _, mean, _ = flip_evaluator.evaluate(ref, test, "HDR", applyMagma=False)
    return float(mean)


def _reason(exc: Exception) -> str:
    """One line on why an optional metric failed to load."""
    if isinstance(exc, ModuleNotFoundError):
        return f"package {exc.name} is not installed (pip install 'invcam[metrics-extra]')"
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _cvvdp_metric():
    try:
        import pycvvdp
        import torch

        return pycvvdp.cvvdp(display_name="standard_hdr_linear", quiet=True,
                             device=torch.device("cpu"))
    except Exception as exc:  # ImportError, or a broken torchvision raising anything
        raise MetricUnavailable(f"ColorVideoVDP is not usable: {_reason(exc)}") from exc


def cvvdp_jod(p: np.ndarray, g: np.ndarray) -> float:
    """ColorVideoVDP JOD of normalized ``(H, W, 3)`` ``p`` against ``g`` (1.0 = 1500 cd/m^2)."""
    import torch

    metric = _load_once("jod", _cvvdp_metric)
    test = torch.from_numpy(np.ascontiguousarray(p * JOD_PEAK, dtype=np.float32))
    ref = torch.from_numpy(np.ascontiguousarray(g * JOD_PEAK, dtype=np.float32))
    with torch.no_grad():
        jod, _ = metric.predict(test, ref, dim_order="HWC")
    return float(jod)


def _lpips_model():
    old = socket.getdefaulttimeout()
    socket.setdefaulttimeout(20)  # a weight download must not hang offline
    try:
        import lpips

        return lpips.LPIPS(net="alex", verbose=False).eval()
    except Exception as exc:
        weights = "" if isinstance(exc, ModuleNotFoundError) else (
            "; it needs the AlexNet weights torchvision downloads on first use (run once online)")
        raise MetricUnavailable(f"LPIPS is not usable: {_reason(exc)}{weights}") from exc
    finally:
        socket.setdefaulttimeout(old)


def lpips_distance(p: np.ndarray, g: np.ndarray) -> float:
    """LPIPS (AlexNet) between the mu-law tone-mapped ``(H, W, 3)`` ``p`` and ``g``."""
    import torch

    model = _load_once("lpips", _lpips_model)

    def tensor(x: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(np.ascontiguousarray(mu_law(x, MU), dtype=np.float32))
        return t.permute(2, 0, 1)[None] * 2.0 - 1.0

    with torch.no_grad():
        return float(model(tensor(p), tensor(g)).mean())


OPTIONAL_FUNCS = {"jod": cvvdp_jod, "lpips": lpips_distance}


def optional_metrics(p: np.ndarray, g: np.ndarray,
                     names: tuple[str, ...] = OPTIONAL) -> tuple[dict, dict]:
    """Run the optional metrics ``names``: ``(scores, unavailable)``, reasons as text."""
    scores, unavailable = {}, {}
    for name in names:
        try:
            scores[name] = OPTIONAL_FUNCS[name](p, g)
        except MetricUnavailable as exc:
            unavailable[name] = str(exc)
    return scores, unavailable


def evaluate_images(pred: np.ndarray, gt: np.ndarray, optional: bool = True) -> dict:
    """Every metric of linear ``(H, W, 3)`` ``pred`` against ``gt`` (what ``invcam eval`` prints).

    Returns ``{"scale": s, <metric>: value, ..., "unavailable": {name: reason}}``: the
    core metrics of :mod:`invcam.metrics`, ``hdr_flip``, the local misregistration and
    per-band metrics of :mod:`invcam.metrics_local` (``misreg_median_px``,
    ``misreg_p95_px``, ``misreg_windows``, ``psnr_mu_low`` / ``_mid`` / ``_high``,
    ``top_ratio``), and ``jod`` / ``lpips`` when ``optional`` and their packages work.
    """
    from invcam.metrics import align_scale, pair_metrics, scale_to_truth
    from invcam.metrics_local import local_metrics

    p, g = scale_to_truth(pred, gt)
    report: dict = {"scale": align_scale(pred, gt), **pair_metrics(p, g),
                    "hdr_flip": hdr_flip(p, g), **local_metrics(pred, gt)}
    scores, unavailable = optional_metrics(p, g) if optional else ({}, {})
    report.update(scores)
    report["unavailable"] = unavailable
    return report


def evaluate_files(pred_path, gt_path, optional: bool = True) -> dict:
    """:func:`evaluate_images` on two HDR files (EXR or .hdr); InvcamError on a size mismatch."""
    from invcam.errors import InvcamError
    from invcam.io.hdr import read_hdr_image

    pred, gt = read_hdr_image(pred_path), read_hdr_image(gt_path)
    if pred.shape != gt.shape:
        raise InvcamError(f"size mismatch: {pred_path} is {pred.shape[1]}x{pred.shape[0]}, "
                          f"{gt_path} is {gt.shape[1]}x{gt.shape[0]} (W x H); no resizing is "
                          "done")
    _check_evaluable(pred, pred_path, "prediction")
    _check_evaluable(gt, gt_path, "ground truth")
    return evaluate_images(pred, gt, optional)


MIN_EVAL_SIDE = 8
"""Smallest side (pixels) the metrics accept (SSIM's 7x7 window needs 7)."""


def _check_evaluable(image, path, role: str) -> None:
    """InvcamError unless ``image`` ``(H, W, 3)`` is large enough and has positive
    values: the metrics compare luminances after a global scale, which a black, all
    zero or negative image does not have."""
    from invcam.errors import InvcamError

    h, w = image.shape[:2]
    if min(h, w) < MIN_EVAL_SIDE:
        raise InvcamError(f"{path}: {w}x{h} (W x H) is too small to evaluate (each side at "
                          f"least {MIN_EVAL_SIDE} pixels)")
    if (image < 0).any():
        raise InvcamError(f"{path}: the {role} has negative values; linear irradiance "
                          "cannot be negative")
    if not (image.mean(axis=-1) > 0).mean() > 0.01:
        raise InvcamError(f"{path}: the {role} is black (no positive values); nothing to "
                          "compare")
