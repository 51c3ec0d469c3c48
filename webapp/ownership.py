"""The one way to load a user's object by id: scoped to its owner, 404 for anyone else
(TRUST.md SEC-16)."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from webapp.extensions import db

T = TypeVar("T")


def get_owned_or_404(model: type[T], object_id: int) -> T:
    """The signed-in user's `model` row with this id. Someone else's row, or none, is a 404:
    the answer never tells whether the id exists."""
    obj = db.session.scalar(
        select(model).where(model.id == object_id, model.user_id == current_user.id)  # type: ignore[attr-defined]
    )
    if obj is None:
        abort(404)
    return obj
