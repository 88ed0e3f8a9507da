"""Pictures for people: display tone mapping, response-curve and blur plots.

References:
    - E. Reinhard, M. Stark, P. Shirley, J. Ferwerda. "Photographic Tone Reproduction for
      Digital Images." ACM TOG 21(3), 2002.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from invcam.io.atomic import write_with  # noqa: E402


def display_map_params(radiance: np.ndarray, key: float = 0.18) -> tuple[float, float]:
    """Scale and white point of :func:`display_map` for ``(H, W, 3)`` ``radiance``.

    Fix them from one frame to map a whole video without flicker.
    """
    lum = np.maximum(radiance.mean(axis=-1), 0)
    log_avg = float(np.exp(np.mean(np.log(lum + 1e-8))))
    scale = key / max(log_avg, 1e-12)
    white = float(np.percentile(lum * scale, 99.9)) or 1.0
    return scale, white


def display_map(radiance: np.ndarray, key: float = 0.18,
                params: tuple[float, float] | None = None) -> np.ndarray:
    """Global photographic operator (Reinhard et al. 2002) + sRGB-like gamma.

    Args:
        radiance: ``(H, W, 3)`` linear HDR.
        key: target log-average luminance.
        params: ``(scale, white)`` from :func:`display_map_params` (default: this image's).

    Returns:
        ``(H, W, 3)`` display values in [0, 1].
    """
    scale, white = params or display_map_params(radiance, key)
    scaled = np.maximum(radiance, 0) * scale
    mapped = scaled * (1 + scaled / white**2) / (1 + scaled)
    return np.clip(mapped, 0, 1) ** (1 / 2.2)


def shown_images(count: int, reference: int, most: int = 6) -> list[int]:
    """Which images the plots show: all of a stack, ``most`` evenly spaced ones of a video
    (the reference always among them)."""
    if count <= most:
        return list(range(count))
    picks = {round(k * (count - 1) / (most - 1)) for k in range(most - 1)} | {reference}
    return sorted(picks)


def plot_crf(path, x: np.ndarray, values: np.ndarray, hist_x: list[np.ndarray],
             labels: list[str]) -> None:
    """Plot the learned response per channel with each image's log2-exposure histogram.

    Args:
        x: ``(S,)`` log2 exposure (log2 irradiance + log2 exposure time).
        values: ``(S, 3)`` response per channel.
        hist_x: per image, the log2 exposures its pixels reach (the response's inputs).
    """
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=100)
    ax2 = ax.twinx()
    for h, label in zip(hist_x, labels, strict=True):
        ax2.hist(h, bins=120, range=(x[0], x[-1]), histtype="step", alpha=0.5, label=label)
    for c, colour in enumerate(("tab:red", "tab:green", "tab:blue")):
        ax.plot(x, values[:, c], color=colour, lw=2, label="RGB"[c])
    ax.set_xlabel("log2 exposure  (log2 irradiance + log2 exposure time)")
    ax.set_ylabel("pixel value")
    ax2.set_ylabel("pixels")
    ax2.set_yticks([])
    ax.set_ylim(0, 1)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    ax2.legend(loc="lower right", fontsize=8)
    ax.set_title("learned camera response (tone mapper)")
    save_figure(fig, path)


def plot_blur(path, radii: list[np.ndarray], labels: list[str], radius: float) -> None:
    """Per image, the learned PSF's RMS radius in pixels as a colour map."""
    n = len(radii)
    fig, axes = plt.subplots(1, n, figsize=(4 * n, 3.4), dpi=100, squeeze=False)
    for ax, s, label in zip(axes[0], radii, labels, strict=True):
        im = ax.imshow(s, cmap="magma", vmin=0, vmax=radius)
        ax.set_title(label, fontsize=9)
        ax.axis("off")
    fig.colorbar(im, ax=axes[0].tolist(), shrink=0.8, label="PSF RMS radius (px)")
    save_figure(fig, path)


def save_figure(fig, path) -> None:
    write_with(path, lambda tmp: fig.savefig(tmp, format="png"))
    plt.close(fig)
