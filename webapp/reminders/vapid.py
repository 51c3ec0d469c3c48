"""The app's VAPID key pair: who push services see sending our reminders (RFC 8292).

From the environment (VAPID_PRIVATE_KEY, with VAPID_PUBLIC_KEY checked against it) when an
operator sets one, else made once and kept in instance/vapid_private.pem (mode 0600). The key
must stay the same for good: every browser subscribed with its public half, and a new key
would silently cut them all off.
"""

from __future__ import annotations

import base64
import contextlib
import os
import secrets
from dataclasses import dataclass
from email.utils import parseaddr
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import Flask, current_app
from py_vapid import Vapid02

KEY_FILE_NAME = "vapid_private.pem"
_EXTENSION = "onward_vapid"


@dataclass(frozen=True)
class VapidKeys:
    """The signing key, its public half as the browser's `applicationServerKey` (base64url,
    uncompressed point), and the contact push services may write to about our traffic."""

    vapid: Vapid02
    public_key: str
    subject: str


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_key_of(vapid: Vapid02) -> str:
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def create_key_file(path: Path) -> Vapid02:
    """Make a key pair and keep it at `path`, unless another process got there first: then
    theirs is kept and returned, so processes starting together end with one key pair.

    The key is written whole to a private temporary file and hard-linked into place; the link
    fails if the file exists, so no process ever reads half a key or replaces another's.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fresh = Vapid02()
    fresh.generate_keys()
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(descriptor, 0o600)  # whatever the umask
        with os.fdopen(descriptor, "wb") as file:
            file.write(fresh.private_pem())
            file.flush()
            os.fsync(file.fileno())
        # If another process won, its key is the one.
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return Vapid02.from_pem(path.read_bytes())


def load_key_file(path: Path) -> Vapid02:
    """The key kept at `path`, made there first if there is none yet."""
    if path.exists():
        return Vapid02.from_pem(path.read_bytes())
    return create_key_file(path)


def _from_environment(private: str, public: str | None) -> Vapid02:
    """VAPID_PRIVATE_KEY as PEM text, or base64url of the raw 32 bytes or DER (what
    `vapid --gen` and most guides give)."""
    text = private.strip()
    vapid = (Vapid02.from_pem(text.encode()) if text.startswith("-----BEGIN")
             else Vapid02.from_string(text))
    if public and public.strip().rstrip("=") != public_key_of(vapid):
        raise RuntimeError("VAPID_PUBLIC_KEY is not the public half of VAPID_PRIVATE_KEY.")
    return vapid


def default_subject(mail_from: str) -> str:
    """Push services want a contact: VAPID_SUBJECT, else the address mail is sent from."""
    address = parseaddr(mail_from)[1] or "no-reply@localhost"
    return f"mailto:{address}"


def load_keys(app: Flask) -> VapidKeys:
    config = app.config
    if config.get("VAPID_PRIVATE_KEY"):
        vapid = _from_environment(config["VAPID_PRIVATE_KEY"], config.get("VAPID_PUBLIC_KEY"))
    else:
        path = Path(config.get("VAPID_KEY_FILE") or Path(app.instance_path) / KEY_FILE_NAME)
        vapid = load_key_file(path)
    subject = config.get("VAPID_SUBJECT") or default_subject(config.get("MAIL_FROM", ""))
    return VapidKeys(vapid=vapid, public_key=public_key_of(vapid), subject=subject)


def vapid_keys() -> VapidKeys:
    """The app's keys, read (or made) on first use and kept for the life of the process:
    an app that never sends a reminder never writes a key."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    keys = app.extensions.get(_EXTENSION)
    if keys is None:
        keys = app.extensions[_EXTENSION] = load_keys(app)
    return keys
