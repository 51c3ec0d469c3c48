"""Static files: fingerprinted URLs that can be cached for a year, and bodies compressed
once and kept in memory (TRUST.md PERF-05), since many hosts put no compressing proxy in
front of the app."""

from __future__ import annotations

import gzip
import hashlib
from functools import cache
from pathlib import Path

import brotli
from flask import Flask, Response, request, url_for

from webapp.config import ROOT

STATIC = ROOT / "static"
COMPRESSIBLE = {"text/css", "text/javascript", "application/javascript", "image/svg+xml",
                "application/json", "application/manifest+json", "text/plain"}


@cache
def _file_hash(path: Path, mtime: float) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


@cache
def _resolve(filename: str) -> Path | None:
    """The file under static/ for a name from a URL or template; None for anything else.
    Cached: templates ask for the same few files on every page."""
    path = (STATIC / filename).resolve()
    if STATIC not in path.parents or not path.is_file():
        return None
    return path


def static_version(filename: str) -> str | None:
    """A short hash of a static file's bytes (recomputed when the file changes); None for a
    file that does not exist."""
    path = _resolve(filename)
    if path is None:
        return None
    try:
        return _file_hash(path, path.stat().st_mtime)
    except FileNotFoundError:
        return None


def static_url(filename: str) -> str:
    """The URL of a static file, fingerprinted so it can be cached for a year."""
    return url_for("static", filename=filename, v=static_version(filename))


@cache
def _compressed(path: Path, mtime: float, encoding: str) -> bytes:
    data = path.read_bytes()
    if encoding == "br":
        return brotli.compress(data, quality=11)
    return gzip.compress(data, compresslevel=9, mtime=0)


def _pick_encoding(accept: str) -> str | None:
    offered = {part.split(";")[0].strip() for part in accept.split(",")}
    return "br" if "br" in offered else "gzip" if "gzip" in offered else None


def compress_static(response: Response) -> Response:
    """Swap a static file's body for its compressed copy when the client accepts one."""
    if request.endpoint != "static" or response.status_code != 200:
        return response
    if response.mimetype not in COMPRESSIBLE:
        return response
    response.vary.add("Accept-Encoding")
    encoding = _pick_encoding(request.headers.get("Accept-Encoding", ""))
    path = _resolve((request.view_args or {}).get("filename", ""))
    if encoding is None or path is None:
        return response
    body = _compressed(path, path.stat().st_mtime, encoding)
    response.close()  # the file the plain response had opened
    response.direct_passthrough = False
    response.set_data(body)
    response.headers["Content-Encoding"] = encoding
    etag, weak = response.get_etag()
    if etag:
        response.set_etag(f"{etag}-{encoding}", weak=weak)
    return response


def init_app(app: Flask) -> None:
    app.after_request(compress_static)
