"""Password hashing (argon2id) and the password policy (TRUST.md SEC-01, SEC-02, SEC-04)."""

from __future__ import annotations

import re
import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from werkzeug.security import check_password_hash

MIN_LENGTH = 12
MAX_LENGTH = 256
# Words anyone attacking this site would try first.
CONTEXT_WORDS = {"onward", "onwardapp", "jobjournal", "jobsearch", "jobhunt"}



@cache
def _argon2(time_cost: int, memory_kib: int, parallelism: int) -> tuple[PasswordHasher, str]:
    """The hasher for these parameters, and a hash of nothing anyone knows, checked when the
    email is unknown so both paths cost the same (SEC-06)."""
    hasher = PasswordHasher(
        time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism, type=Type.ID
    )
    return hasher, hasher.hash(secrets.token_urlsafe(16))


def _hasher() -> tuple[PasswordHasher, str]:
    """argon2id with the app's parameters (ARGON2_* in config.py; SEC-04)."""
    config = current_app.config
    return _argon2(
        config["ARGON2_TIME_COST"], config["ARGON2_MEMORY_KIB"], config["ARGON2_PARALLELISM"]
    )


def hash_password(password: str) -> str:
    return _hasher()[0].hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password. With no stored hash (unknown email) the dummy hash is checked, so
    the answer takes as long as a real one. Hashes from Werkzeug are still accepted so old
    accounts can sign in and be upgraded (see `needs_rehash`)."""
    if stored_hash is None:
        _verify_argon2(_hasher()[1], password)
        return False
    if stored_hash.startswith("$argon2"):
        return _verify_argon2(stored_hash, password)
    try:
        return check_password_hash(stored_hash, password)
    except ValueError:
        return False


def _verify_argon2(stored_hash: str, password: str) -> bool:
    try:
        return _hasher()[0].verify(stored_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return not stored_hash.startswith("$argon2id$") or _hasher()[0].check_needs_rehash(stored_hash)


@cache
def common_passwords() -> frozenset[str]:
    path = Path(__file__).with_name("common_passwords.txt")
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def password_problem(password: str, *, personal: tuple[str, ...] = ()) -> str | None:
    """Why this password would be easy to guess, in the user's words; None when it is fine.

    No composition rules (SEC-01): length, and not being a common password, a word about this
    site or the user's own name or email, with digits and symbols tacked on either end.
    """
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters. A short phrase is easy to remember."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    lowered = password.lower()
    core = _EDGES.sub("", lowered)
    words = common_passwords()
    if lowered in words or core in words or len(set(lowered)) < 4:
        return "That password is one of the most common ones. Try a phrase only you would use."
    mine = {w.lower() for w in personal if w and len(w) >= 3}
    if core in CONTEXT_WORDS or core in mine or any(w in lowered for w in CONTEXT_WORDS):
        return "Avoid the name of this app, your name or your email in the password."
    return None
