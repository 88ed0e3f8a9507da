"""report.html in a real browser: headless Chromium driven by Selenium (Debian packages
``chromium`` and ``chromium-driver``; ``.ci/run`` installs them). Skipped without them."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from invcam.io.hdr import read_exr
from invcam.io.ldr import read_ldr

webdriver = pytest.importorskip("selenium.webdriver")
DRIVER = shutil.which("chromedriver")
BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [pytest.mark.skipif(not (DRIVER and BROWSER), reason="chromium not installed"),
              pytest.mark.slow]

PIXELS = """const c = document.getElementById(arguments[0]);
let w, h, ctx;
if (c.tagName === 'CANVAS') { w = c.width; h = c.height; ctx = c.getContext('2d'); }
else { w = c.naturalWidth; h = c.naturalHeight; const k = document.createElement('canvas');
       k.width = w; k.height = h; ctx = k.getContext('2d'); ctx.drawImage(c, 0, 0); }
const d = ctx.getImageData(0, 0, w, h).data, grey = [];
for (let i = 0; i < d.length; i += 4) grey.push((d[i] + d[i + 1] + d[i + 2]) / 3);
return [w, h, grey];"""


@pytest.fixture(scope="module")
def browser():
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = BROWSER
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--allow-file-access-from-files"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def _grey(driver, element: str) -> np.ndarray:
    w, h, grey = driver.execute_script(PIXELS, element)
    return np.array(grey, dtype=float).reshape(h, w)


def _set(driver, element: str, value: str, event: str) -> None:
    driver.execute_script(
        "const e = document.getElementById(arguments[0]); e.value = arguments[1];"
        "e.dispatchEvent(new Event(arguments[2]));", element, value, event)


def _sharpness(image: np.ndarray, mask: np.ndarray) -> float:
    """Mean gradient over the contrast on ``mask``'s well-exposed pixels (exposure-free)."""
    gx = np.abs(np.diff(image, axis=1, append=image[:, -1:]))
    gy = np.abs(np.diff(image, axis=0, append=image[-1:]))
    ok = mask & (image > 5) & (image < 250)
    return float((gx + gy)[ok].mean() / max(image[ok].std(), 1e-6))


def test_the_report_works_in_chromium(browser, fitted, tmp_path):
    browser.get((fitted / "report.html").as_uri())
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    _set(browser, "map", "clip", "change")
    means = []
    for ev in ("-4", "0", "4"):
        _set(browser, "ev", ev, "input")
        means.append(_grey(browser, "hdr").mean())
    assert means[0] < means[1] < means[2]
    _set(browser, "ev", "0", "input")
    at_zero = _grey(browser, "hdr")
    clipped = at_zero >= 254.5
    assert clipped.sum() >= 10  # the window / highlights clip at 0 EV ...
    _set(browser, "ev", "-4", "input")
    assert _grey(browser, "hdr")[clipped].std() > 1.0  # ... and show detail at -4 EV
    browser.save_screenshot(str(tmp_path / "report.png"))
    depth = read_exr(fitted.parent / "stack" / "gt" / "depth.exr")[..., 0]
    far = depth >= np.percentile(depth, 70)  # image 0 focused near: its far part is blurred
    _set(browser, "view", "0", "change")
    seen = _grey(browser, "seen")
    browser.execute_script("document.getElementById('asseen').click()")
    sharp = _grey(browser, "seen")
    assert seen.shape == sharp.shape and not np.array_equal(seen, sharp)
    # "as seen" blurs the far part as image 0 itself does: its sharpness there is closer
    # to the photograph's than the all-in-focus view's is, and below the latter's
    shot = read_ldr(fitted.parent / "stack" / "img_00.png").astype(float).mean(-1) * 255
    as_shot, blurred, in_focus = (_sharpness(x, far) for x in (shot, seen, sharp))
    assert blurred < in_focus
    assert abs(blurred - as_shot) < 0.5 * abs(in_focus - as_shot)
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
