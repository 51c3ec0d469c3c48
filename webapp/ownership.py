"""The one way to load a user's object by id: scoped to its owner, 404 for anyone else
(TRUST.md SEC-16)."""

from __future__ import annotations

from functools import cache
from typing import Any, TypeVar

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, bindparam, select

from webapp.extensions import db

T = TypeVar("T")


@cache
def _owned(model: Any) -> Select:
    # Built once for each model, with bound parameters: every object page runs it, and
    # building a statement costs more Python than running it.
    return select(model).where(model.id == bindparam("id"),
                               model.user_id == bindparam("user_id"))


def get_owned_or_404(model: type[T], object_id: int) -> T:
    """The signed-in user's `model` row with this id. Someone else's row, or none, is a 404:
    the answer never tells whether the id exists."""
    obj = db.session.scalar(_owned(model), {"id": object_id, "user_id": current_user.id})
    if obj is None:
        abort(404)
    return obj
