"""The committed icons and screenshots are the ones scripts/make_icons.py and
scripts/make_screenshots.py make, at the sizes the manifest says (TRUST.md PERF-06)."""

from __future__ import annotations

import importlib.util
import struct

import pytest

from webapp.config import ROOT
from webapp.pwa import shell

STATIC = ROOT / "static"


def load_script(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def png_size(path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n", f"{path.name} is not a PNG"
    return struct.unpack(">II", head[16:24])


def webp_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP", f"{path.name} is not a WebP"
    chunk = data[12:16]
    if chunk == b"VP8 ":
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L":
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    assert chunk == b"VP8X", chunk
    return (int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1)


ICON_SCRIPT = load_script("make_icons")


@pytest.mark.parametrize("name", sorted(ICON_SCRIPT.OUTPUTS))
def test_each_icon_the_script_makes_is_committed_at_its_size(name):
    size = ICON_SCRIPT.OUTPUTS[name][0]
    assert png_size(STATIC / "icons" / name) == (size, size)


def test_the_manifest_names_exactly_the_icons_the_script_makes():
    named = {path.removeprefix("icons/") for path, _, _ in shell.ICONS}
    named.add(shell.APPLE_TOUCH_ICON.removeprefix("icons/"))
    assert named == set(ICON_SCRIPT.OUTPUTS)
    for path, size, _ in shell.ICONS:
        width, height = png_size(STATIC / path)
        assert f"{width}x{height}" == size, path


def test_full_bleed_icons_fill_the_square_and_the_others_keep_the_drawing():
    drawing = (STATIC / "icons" / "icon.svg").read_text()
    assert ICON_SCRIPT.variant(drawing, 1.0, False) == drawing
    maskable = ICON_SCRIPT.variant(drawing, 0.72, True)
    assert '<rect width="64" height="64" fill="#2f6f5e"/>' in maskable  # no rounded corners
    assert "scale(0.72)" in maskable and 'stroke="#fff"' in maskable


@pytest.mark.parametrize(("path", "size", "label"), shell.SCREENSHOTS)
def test_the_screenshots_are_committed_small_and_at_their_size(path, size, label):
    file = STATIC / path
    width, height = webp_size(file)
    assert f"{width}x{height}" == size
    assert file.stat().st_size < 150_000, "screenshots should stay small"
    assert label
