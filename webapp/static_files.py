"""Static files, served by WhiteNoise in front of Flask (TRUST.md PERF-05).

At start the app copies `static/` into a build folder named after its content, adding a
fingerprinted copy of each file (`css/app.<hash>.css`) and its `.br`/`.gz` when its type
is in COMPRESS_MIMETYPES (the list Flask-Compress uses for pages). WhiteNoise serves that
folder before any Flask code runs: a static file opens no session and touches no database.
A fingerprinted URL is cached for a year; a stale or unknown fingerprint falls through to
Flask's 404 (no-store), so a browser never keeps a wrong file for a year.

With STATIC_AUTOREFRESH (the development config) `static/` is served as it is, looked up on
each request, so edits to CSS and JS show on the next reload without a restart.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from collections.abc import Collection, Mapping
from pathlib import Path, PurePosixPath

from flask import Flask, current_app
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor
from whitenoise.media_types import MediaTypes

from webapp.config import ROOT
from webapp.security import IMMUTABLE, STATIC_HEADERS

SOURCE = ROOT / "static"
PREFIX = "/static/"
EXTENSION = "onward_static"
# Types WhiteNoise's own table lacks (it would send application/octet-stream).
EXTRA_TYPES = {".webmanifest": "application/manifest+json"}
KEEP_BUILDS = 3  # older builds may still be served by processes of the last deploy


def fingerprinted_name(name: str, digest: str) -> str:
    """`css/app.css` -> `css/app.<digest>.css`; `LICENSE` -> `LICENSE.<digest>`."""
    path = PurePosixPath(name)
    if path.suffix:
        return str(path.with_name(f"{path.stem}.{digest}{path.suffix}"))
    return f"{name}.{digest}"


def _source_files(source: Path) -> dict[str, str]:
    """Each file under `source` (posix name relative to it) with a short hash of its bytes."""
    return {
        path.relative_to(source).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:12]
        for path in sorted(source.rglob("*")) if path.is_file()
    }


def build(
    source: Path, build_root: Path, compressible: Collection[str]
) -> tuple[Path, dict[str, str]]:
    """The build folder for `source`'s current content and {name: fingerprinted name}.

    Built once per content: the folder is named after a hash of every name and hash, so a
    restart with the same files reuses it. Several processes starting at once each build
    in a temporary folder and rename it into place; the first rename wins and the others
    throw theirs away, so no process ever serves a half-written folder.
    """
    hashes = _source_files(source)
    manifest = {name: fingerprinted_name(name, digest) for name, digest in hashes.items()}
    key = hashlib.sha256(repr(sorted(hashes.items())).encode()).hexdigest()[:16]
    target = build_root / key
    if target.is_dir():
        return target, manifest
    build_root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".building-", dir=build_root))
    try:
        media_types = MediaTypes(extra_types=EXTRA_TYPES)
        compressor = Compressor(extensions=[], quiet=True)
        for name, hashed in manifest.items():
            for copy in (name, hashed):
                (staging / copy).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source / name, staging / copy)  # keeps the mtime: Last-Modified
                if media_types.get_type(copy) in compressible:
                    compressor.compress(str(staging / copy))
        staging.chmod(0o755)  # mkdtemp's 0700 would hide it from a web server user
        try:
            staging.rename(target)
        except OSError:
            if not target.is_dir():  # not another process winning the race: a real error
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    _prune(build_root, keep=target)
    return target, manifest


def _prune(build_root: Path, *, keep: Path) -> None:
    """Remove all but the newest few builds (and staging folders over an hour old)."""
    builds = sorted((p for p in build_root.iterdir() if p.is_dir() and not p.name.startswith(".")),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    for old in builds[KEEP_BUILDS:]:
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)


class StaticFiles:
    """The app's static URLs, resolved once: a dictionary lookup per call, no file checks."""

    def __init__(self, manifest: Mapping[str, str]):
        self.urls = {name: PREFIX + hashed for name, hashed in manifest.items()}
        self.immutable = frozenset(PREFIX + hashed for name, hashed in manifest.items()
                                   if hashed != name)

    def url(self, filename: str) -> str:
        # An unknown name gets a plain URL, which answers 404 rather than failing the page.
        return self.urls.get(filename) or PREFIX + filename

    def add_headers(self, headers, path: str, url: str) -> None:
        """WhiteNoise calls this once per file at start (on each request when autorefreshing)."""
        for name, value in STATIC_HEADERS.items():
            headers[name] = value
        headers["Cache-Control"] = IMMUTABLE if url in self.immutable else "no-cache"


def static_url(filename: str) -> str:
    """The URL of a static file, fingerprinted so it can be cached for a year."""
    return current_app.extensions[EXTENSION].url(filename)


def init_app(app: Flask) -> None:
    """Put WhiteNoise in front of the app, serving this content's build (or `static/` itself
    when STATIC_AUTOREFRESH is on)."""
    if app.config["STATIC_AUTOREFRESH"]:
        names = (p.relative_to(SOURCE).as_posix() for p in SOURCE.rglob("*") if p.is_file())
        files = StaticFiles({name: name for name in names})
        root, autorefresh = SOURCE, True
    else:
        root, manifest = build(SOURCE, Path(app.config["STATIC_BUILD_DIR"]),
                               frozenset(app.config["COMPRESS_MIMETYPES"]))
        files, autorefresh = StaticFiles(manifest), False
    app.extensions[EXTENSION] = files
    app.jinja_env.globals["static_url"] = files.url  # templates skip the app lookup
    app.wsgi_app = WhiteNoise(  # type: ignore[method-assign]
        app.wsgi_app, root=str(root), prefix=PREFIX, autorefresh=autorefresh, max_age=None,
        allow_all_origins=False, mimetypes=EXTRA_TYPES, add_headers_function=files.add_headers,
    )

