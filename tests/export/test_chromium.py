"""The sample story page in a real browser (Debian's headless Chromium), when installed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageStat

from tests.export.conftest import JCS_SLUG, RunExport

CHROMIUM = Path("/usr/bin/chromium")


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed")
@pytest.mark.parametrize("width", [1280, 390])
def test_story_page_screenshot(run_export: RunExport, tmp_path: Path, width: int) -> None:
    out = tmp_path / "site"
    run_export(out)
    shot = tmp_path / f"story-{width}.png"
    page = out / "stories" / f"{JCS_SLUG}.html"
    result = subprocess.run(
        [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
         f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=3000",
         f"--screenshot={shot}", f"--window-size={width},2400", page.as_uri()],
        capture_output=True, timeout=120, check=False,
    )
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    with Image.open(shot) as image:
        assert image.size == (width, 2400)
        rgb = image.convert("RGB")
        # A rendered article: mostly the light page colour, with text and photos on it.
        top_left = rgb.getpixel((2, 2))
        assert top_left == (255, 255, 255)
        spread = ImageStat.Stat(rgb).stddev
        assert min(spread) > 20
        # The lead photo's sky (blue-grey) is on screen below the headline.
        colours = [rgb.getpixel((width // 2, y)) for y in range(300, 1400, 10)]
        assert all(isinstance(c, tuple) for c in colours)
        assert any(isinstance(c, tuple) and c[2] > c[0] + 15 and c[2] > 140 for c in colours)
