"""All-in-focus fusion: enfuse + align_image_stack, and the OpenCV fallback."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from baseline_helpers import input_scores, linearize, psnr_mu

from invcam.baselines import run_baseline
from invcam.baselines.focus import missing_programs
from invcam.baselines.pyramid import ecc_align, laplacian_focus_fusion

needs_enfuse = pytest.mark.skipif(bool(missing_programs()),
                                  reason="enfuse / align_image_stack not installed")


def _check_fused(synth_stacks, tool: str) -> dict:
    folder, res, keep = synth_stacks["focus"]
    result = run_baseline("focus-stack", folder, tool)
    assert result.image.shape == res.radiance.shape and result.images == [
        res.entries[i]["file"] for i in keep]
    # the fused photo is camera values: linearize it like the inputs to compare
    fused = linearize(res, result.image, res.camera.exposures[1])
    assert psnr_mu(fused, res) > min(input_scores(res, keep))
    return result.info


@needs_enfuse
def test_enfuse_focus_stack_beats_its_worst_input(synth_stacks):
    info = _check_fused(synth_stacks, "enfuse")
    assert info["fusion"] == "enfuse" and "--hard-mask" in info["enfuse_args"]


def test_opencv_focus_stack_beats_its_worst_input(synth_stacks):
    info = _check_fused(synth_stacks, "opencv")
    assert info["fusion"] == "opencv-laplacian" and info["alignment_failed"] == []


def test_auto_falls_back_to_opencv_when_programs_are_missing(synth_stacks, monkeypatch):
    monkeypatch.setattr("invcam.baselines.focus.shutil.which", lambda name: None)
    folder, _, _ = synth_stacks["focus"]
    info = run_baseline("focus-stack", folder, "auto").info
    assert info["fusion"] == "opencv-laplacian" and "not installed" in info["note"]


def _texture(seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return cv2.resize(rng.random((16, 16, 3)).astype(np.float32), (64, 64),
                      interpolation=cv2.INTER_CUBIC).clip(0, 1)


def test_laplacian_fusion_keeps_the_sharp_half_of_each_image():
    sharp = _texture()
    blurred = cv2.GaussianBlur(sharp, (0, 0), 3)
    left = sharp.copy()
    left[:, 32:] = blurred[:, 32:]
    right = sharp.copy()
    right[:, :32] = blurred[:, :32]
    fused = laplacian_focus_fusion([left, right])
    err = np.abs(fused - sharp)[4:-4, 4:-4].mean()
    assert err < 0.3 * np.abs(left - sharp)[4:-4, 4:-4].mean()


def test_ecc_alignment_undoes_a_known_magnification():
    ref = _texture(1)
    zoom = cv2.getRotationMatrix2D((31.5, 31.5), 0, 1.03)
    moved = cv2.warpAffine(ref, zoom, (64, 64), borderMode=cv2.BORDER_REFLECT)
    (aligned_ref, aligned), ok = ecc_align([ref, moved], 0)
    assert ok == [True, True] and aligned_ref is ref
    # the exact inverse warp, resampled the same way: what a perfect alignment gives
    exact = cv2.warpAffine(moved, zoom, (64, 64), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_REPLICATE)
    inner = (slice(6, -6), slice(6, -6))
    assert np.abs(aligned - exact)[inner].mean() < 0.002
    assert np.abs(aligned - ref)[inner].mean() < 0.4 * np.abs(moved - ref)[inner].mean()
