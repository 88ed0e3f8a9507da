"""The optional metrics (ColorVideoVDP JOD, LPIPS): used when their packages work,
reported unavailable (never a crash) when they are absent, broken or offline."""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest
import torch

from invcam import metrics_extra
from invcam.metrics_extra import JOD_PEAK, evaluate_images, optional_metrics


@pytest.fixture(autouse=True)
def _fresh(monkeypatch):
    """Each test loads the optional metrics anew, on one torch thread."""
    monkeypatch.setattr(metrics_extra, "_LOADED", {})
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def pair():
    rng = np.random.default_rng(0)
    g = rng.random((16, 16, 3))
    return np.clip(g + 0.05, 0, 1), g


def test_absent_packages_are_reported_unavailable(monkeypatch):
    monkeypatch.setitem(sys.modules, "pycvvdp", None)  # import raises ModuleNotFoundError
    monkeypatch.setitem(sys.modules, "lpips", None)
    scores, missing = optional_metrics(*pair())
    assert scores == {}
    assert set(missing) == {"jod", "lpips"}
    assert "not installed" in missing["jod"] and "invcam[metrics-extra]" in missing["lpips"]
    assert all("\n" not in why for why in missing.values())


def test_offline_lpips_is_unavailable_with_a_reason(monkeypatch):
    calls = []

    def offline(*args, **kwargs):
        calls.append(1)
        raise OSError("<urlopen error [Errno -3] Temporary failure in name resolution>")

    monkeypatch.setitem(sys.modules, "lpips", types.SimpleNamespace(LPIPS=offline))
    p, g = pair()
    for _ in range(2):
        scores, missing = optional_metrics(p, g, ("lpips",))
        assert "lpips" not in scores
        assert "AlexNet weights" in missing["lpips"] and "OSError" in missing["lpips"]
    assert len(calls) == 1  # a failed load is not retried (no second download attempt)


def test_working_packages_are_called_as_documented(monkeypatch):
    seen = {}

    class FakeLPIPS(torch.nn.Module):
        def __init__(self, net, verbose):
            super().__init__()
            seen["net"] = net

        def forward(self, a, b):
            seen["lpips_range"] = (float(a.min()), float(a.max()), tuple(a.shape))
            return (a - b).abs().mean().reshape(1, 1, 1, 1)

    class FakeCVVDP:
        def __init__(self, display_name, quiet, device):
            seen["display"] = display_name

        def predict(self, test, ref, dim_order):
            seen["cvvdp_peak"] = float(ref.max())
            seen["dim_order"] = dim_order
            return torch.tensor(9.5), {}

    monkeypatch.setitem(sys.modules, "lpips", types.SimpleNamespace(LPIPS=FakeLPIPS))
    monkeypatch.setitem(sys.modules, "pycvvdp", types.SimpleNamespace(cvvdp=FakeCVVDP))
    p, g = pair()
    report = evaluate_images(p, g)
    assert report["jod"] == 9.5 and report["lpips"] > 0 and report["unavailable"] == {}
    assert seen["display"] == "standard_hdr_linear" and seen["dim_order"] == "HWC"
    assert seen["cvvdp_peak"] == pytest.approx(JOD_PEAK, rel=1e-3)  # normalized 1.0 -> 1500
    lo, hi, shape = seen["lpips_range"]
    assert seen["net"] == "alex" and -1 <= lo < hi <= 1 and shape == (1, 3, 16, 16)
