"""Make the app's PNG icons from its one drawing, static/icons/icon.svg (`make icons`).

The PNGs are committed, so the app needs no build step when it runs; run this again after
changing the drawing (tests/unit/test_pwa_manifest.py checks the files match this list).
Rendered by the system Chromium through Playwright, the same browser the tests use, so no
image library is needed.

- icon-192.png, icon-512.png: the drawing as it is (rounded corners, transparent around).
- icon-maskable-512.png: the drawing's background to the edges and its mark inside the
  middle 80 % ("safe zone"), so Android can cut any shape from it.
- apple-touch-icon.png (180): full bleed and opaque, as iOS rounds the corners itself and
  would fill transparency with black.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ICONS = ROOT / "static" / "icons"
SOURCE = ICONS / "icon.svg"
CHROMIUM = "/usr/bin/chromium"

# name: (size in pixels, how much of the square the mark fills, full bleed?)
OUTPUTS: dict[str, tuple[int, float, bool]] = {
    "icon-192.png": (192, 1.0, False),
    "icon-512.png": (512, 1.0, False),
    "icon-maskable-512.png": (512, 0.72, True),
    "apple-touch-icon.png": (180, 0.86, True),
}


def variant(svg: str, scale: float, full_bleed: bool) -> str:
    """The drawing as one icon needs it: the background square to the edges, the mark
    scaled about the centre."""
    if not full_bleed:
        return svg
    background = re.search(r'<rect[^>]*fill="([^"]+)"[^>]*/>', svg)
    if background is None:
        raise SystemExit(f"{SOURCE}: expected a background <rect fill=...> first")
    box = re.search(r'viewBox="0 0 (\d+) (\d+)"', svg)
    width, height = (int(box.group(1)), int(box.group(2))) if box else (64, 64)
    mark = svg[background.end():svg.rindex("</svg>")]
    cx, cy = width / 2, height / 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}">'
        f'<rect width="{width}" height="{height}" fill="{background.group(1)}"/>'
        f'<g transform="translate({cx} {cy}) scale({scale}) translate({-cx} {-cy})">{mark}</g>'
        "</svg>"
    )


def page_for(svg: str, size: int) -> str:
    return (
        "<!doctype html><html><head><style>html,body{margin:0;background:transparent}"
        f"svg{{display:block;width:{size}px;height:{size}px}}</style></head>"
        f"<body>{svg}</body></html>"
    )


def main() -> int:
    from playwright.sync_api import sync_playwright

    svg = SOURCE.read_text()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            for name, (size, scale, full_bleed) in OUTPUTS.items():
                page = browser.new_page(viewport={"width": size, "height": size},
                                        device_scale_factor=1)
                page.set_content(page_for(variant(svg, scale, full_bleed), size))
                page.locator("svg").screenshot(path=str(ICONS / name), omit_background=True)
                page.close()
                print(f"wrote static/icons/{name} ({size}x{size})")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
