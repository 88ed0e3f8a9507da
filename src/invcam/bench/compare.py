"""Side-by-side comparison pictures (like the paper's Fig. 4).

Row 1: the input photos as shot. Row 2: each method's result and the ground truth, all
scale-aligned to the ground truth and normalized as for the metrics
(:func:`invcam.metrics.scale_to_truth`), then shown through the same mu-law curve
(mu = 5000) that PSNR-mu sees. Rows 3 and 4: two zoomed insets, marked red and green:
the ground truth's brightest window and its most detailed one elsewhere.
"""

from __future__ import annotations

import os

import cv2
import numpy as np

from invcam.display import plt, save_figure
from invcam.metrics import mu_law, scale_to_truth

INSET_COLOURS = ("red", "lime")


def _windows(shape: tuple[int, int], size: int) -> list[tuple[int, int]]:
    h, w = shape
    step = max(1, size // 2)
    return [(y, x) for y in range(0, h - size + 1, step) for x in range(0, w - size + 1, step)]


def pick_insets(gt_display: np.ndarray) -> list[tuple[int, int, int]]:
    """Two non-overlapping square windows ``(y, x, size)`` of a ``(H, W, 3)`` image in
    [0, 1]: the brightest one (highlights), then the one with the most gradient energy
    (detail, where focus matters)."""
    lum = gt_display.mean(axis=-1).astype(np.float32)
    size = max(8, min(lum.shape) // 4)
    grad = np.abs(cv2.Sobel(lum, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(lum, cv2.CV_32F, 0, 1))
    wins = _windows(lum.shape, size)
    bright = max(wins, key=lambda p: lum[p[0]:p[0] + size, p[1]:p[1] + size].mean())
    apart = [p for p in wins if abs(p[0] - bright[0]) >= size or abs(p[1] - bright[1]) >= size]
    detail = max(apart or wins, key=lambda p: grad[p[0]:p[0] + size, p[1]:p[1] + size].sum())
    return [(bright[0], bright[1], size), (detail[0], detail[1], size)]


def mu_mapped(pred: np.ndarray, gt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(H, W, 3)`` display images of ``pred`` and ``gt``: scale-aligned, mu-law."""
    p, g = scale_to_truth(pred, gt)
    return mu_law(p), mu_law(g)


def _show(ax, image: np.ndarray, title: str, boxes=()) -> None:
    ax.imshow(np.clip(image, 0, 1), interpolation="nearest")
    ax.set_title(title, fontsize=8)
    ax.set_xticks([])
    ax.set_yticks([])
    for (y, x, s), colour in zip(boxes, INSET_COLOURS, strict=False):
        ax.add_patch(plt.Rectangle((x - 0.5, y - 0.5), s, s, fill=False, ec=colour, lw=1.5))


def compare_figure(path: str | os.PathLike, inputs: list[tuple[str, np.ndarray]],
                   results: list[tuple[str, np.ndarray]], gt: np.ndarray) -> None:
    """Write the comparison PNG.

    Args:
        inputs: ``(label, (H, W, 3) display values in [0, 1])`` per input photo.
        results: ``(label, (H, W, 3) linear prediction)`` per method.
        gt: ``(H, W, 3)`` linear ground truth.
    """
    shown = [(label, mu_mapped(pred, gt)[0]) for label, pred in results]
    gt_shown = mu_law(scale_to_truth(gt, gt)[1])
    panels = [*shown, ("ground truth", gt_shown)]
    boxes = pick_insets(gt_shown)
    cols = max(len(inputs), len(panels))
    h, w = gt.shape[:2]
    fig, axes = plt.subplots(4, cols, figsize=(2.6 * cols, 2.6 * (2 * h / w + 2)), dpi=110,
                             squeeze=False, gridspec_kw={"height_ratios": [h / w, h / w, 1, 1]})
    for ax in axes.ravel():
        ax.axis("off")
    for ax, (label, image) in zip(axes[0], inputs, strict=False):
        ax.axis("on")
        _show(ax, image, label)
    for c, (label, image) in enumerate(panels):
        axes[1, c].axis("on")
        _show(axes[1, c], image, label, boxes)
        for r, ((y, x, s), colour) in enumerate(zip(boxes, INSET_COLOURS, strict=True)):
            axes[2 + r, c].axis("on")
            _show(axes[2 + r, c], image[y:y + s, x:x + s], "")
            for spine in axes[2 + r, c].spines.values():
                spine.set_edgecolor(colour)
                spine.set_linewidth(2)
    fig.suptitle("inputs (top); results, scale-aligned, mu-law (mu = 5000); zoomed insets",
                 fontsize=9)
    fig.tight_layout()
    save_figure(fig, path)



def real_figure(path: str | os.PathLike, rows: list[list[tuple[str, np.ndarray]]]) -> None:
    """A grid of labelled ``(H, W, 3)`` display images, one row per held-out exposure."""
    h, w = rows[0][0][1].shape[:2]
    cols = max(len(r) for r in rows)
    fig, axes = plt.subplots(len(rows), cols, figsize=(3.2 * cols, 3.4 * h / w * len(rows)),
                             dpi=110, squeeze=False)
    for r, row in enumerate(rows):
        for c, (label, image) in enumerate(row):
            _show(axes[r, c], image, label)
    fig.tight_layout()
    save_figure(fig, path)
