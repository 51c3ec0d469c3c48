"""Share link tokens (TRUST.md SHR-01, SHR-02, SEC-28): 256 bits from `secrets`, of which
only the SHA-256 is stored, and an eight-character id that logs may name a link by."""

from __future__ import annotations

import hashlib
import re
import secrets

TOKEN_BYTES = 32
# token_urlsafe(32) is 43 characters of the URL-safe base64 alphabet, without padding.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def new_token() -> str:
    """A fresh, unguessable token for a share link's URL."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """What the database keeps of a token: its SHA-256, hex. A plain hash is enough for a
    256-bit random secret (ASVS 5.0 6.5.2), and lookups by it leak nothing about the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def token_id(token: str) -> str:
    """The token as logs may name it: the first eight hex digits of its hash (SEC-33), the
    same as the access log's `/s/<id>` (gunicorn.conf.py, audit.redact_share_paths)."""
    return token_hash(token)[:8]


def looks_like_token(text: str) -> bool:
    """Whether `text` has the shape of a token we hand out; anything else is not looked up."""
    return TOKEN_SHAPE.fullmatch(text) is not None
