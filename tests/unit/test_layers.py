"""The rules of the house that a reader could break without a test failing elsewhere
(docs/architecture.md): views never commit, form views answer through rendering.py, and no
password is hashed while a database transaction is open."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import select

from tests import factories
from webapp.auth import passwords
from webapp.auth import services as auth_services
from webapp.extensions import db
from webapp.models import User

ROUTES = sorted((Path(__file__).resolve().parents[2] / "webapp").glob("*/routes.py"))


@pytest.mark.parametrize("routes", ROUTES, ids=lambda p: p.parent.name)
def test_views_never_commit_and_leave_the_status_to_the_form_helper(routes):
    source = routes.read_text()
    assert "commit(" not in source  # services own their transaction
    assert "is_submitted()" not in source  # rendering.form_status decides 200 or 422


@pytest.mark.parametrize("routes", ROUTES, ids=lambda p: p.parent.name)
def test_views_stay_short(routes):
    """About fifteen lines a view: anything longer has logic that belongs in a service."""
    for node in ast.parse(routes.read_text()).body:
        if isinstance(node, ast.FunctionDef) and node.decorator_list:
            statements = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body
            length = statements[-1].end_lineno - statements[0].lineno + 1
            assert length <= 20, f"{routes.parent.name}.{node.name} is {length} lines"


@pytest.fixture
def hashing_watch(monkeypatch):
    """Record, at every password hash or check, whether a transaction was open."""
    seen: list[bool] = []
    real_hash, real_verify = passwords.hash_password, passwords.verify_password

    def watch(real):
        def wrapper(*args, **kwargs):
            seen.append(db.session().in_transaction())
            return real(*args, **kwargs)
        return wrapper

    monkeypatch.setattr(passwords, "hash_password", watch(real_hash))
    monkeypatch.setattr(passwords, "verify_password", watch(real_verify))
    return seen


def test_no_transaction_is_open_while_a_password_is_hashed(app, hashing_watch):
    with app.app_context():
        db.session.scalar(select(User.id))  # as a request's user loader would begin one
        user = factories.make_user("sam@example.com")
        db.session.scalar(select(User.id))
        assert auth_services.authenticate("sam@example.com", "not the password", device=None) is None
        db.session.scalar(select(User.id))
        auth_services.set_password(user, "a longer walk by the sea")
        db.session.scalar(select(User.id))
        assert auth_services.authenticate("nobody@example.com", factories.PASSWORD, device=None) is None
    assert hashing_watch and not any(hashing_watch)
