"""Retention (TRUST.md PRV-08): the hourly purge removes exactly the sign-in data that has
expired, on a frozen clock, and keeps what is still live."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from webapp.auth import tasks
from webapp.auth.retention import purge_expired
from webapp.extensions import db
from webapp.models import LoginFailure, LoginSession, PasswordReset

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def add_rows(user_id: int) -> None:
    """Rows named by whether the purge should keep them."""
    failures = {"gone": NOW - timedelta(hours=25), "kept": NOW - timedelta(hours=23),
                "kept-recent": NOW - timedelta(minutes=5)}
    resets = {  # name: (expires_at, used_at)
        "gone-used": (NOW + timedelta(minutes=20), NOW - timedelta(minutes=5)),
        "gone-expired": (NOW - timedelta(minutes=1), None),
        "gone-expires-now": (NOW, None),
        "kept-live": (NOW + timedelta(minutes=20), None),
    }
    sessions = {"gone-ended": NOW - timedelta(days=1), "gone-ends-now": NOW,
                "kept-live": NOW + timedelta(minutes=1)}
    for at in failures.values():
        db.session.add(LoginFailure(account_key="a" * 64, failed_at=at))
    for name, (expires_at, used_at) in resets.items():
        db.session.add(PasswordReset(user_id=user_id, token_hash=name, email="alice@example.com",
                                     created_at=NOW - timedelta(hours=1),
                                     expires_at=expires_at, used_at=used_at))
    for name, expires_at in sessions.items():
        db.session.add(LoginSession(user_id=user_id, token_hash=name, device=name,
                                    created_at=NOW - timedelta(days=2),
                                    last_seen_at=NOW - timedelta(days=2), expires_at=expires_at))
    db.session.commit()


def remaining() -> dict[str, list]:
    return {
        "login_failures": sorted(db.session.scalars(select(LoginFailure.failed_at))),
        "password_resets": sorted(db.session.scalars(select(PasswordReset.token_hash))),
        "login_sessions": sorted(db.session.scalars(select(LoginSession.token_hash))),
    }


def test_purge_removes_exactly_the_expired_rows(app, alice_id):
    with app.app_context():
        add_rows(alice_id)
        with time_machine.travel(NOW, tick=False):
            counts = purge_expired()
        assert counts == {"login_failures": 1, "password_resets": 3, "login_sessions": 2}
        db.session.expire_all()
        assert remaining() == {
            "login_failures": [NOW - timedelta(hours=23), NOW - timedelta(minutes=5)],
            "password_resets": ["kept-live"],
            "login_sessions": ["kept-live"],
        }


def test_purge_again_finds_nothing_more(app, alice_id):
    with app.app_context():
        add_rows(alice_id)
        assert sum(purge_expired(NOW).values()) == 6
        assert purge_expired(NOW) == {"login_failures": 0, "password_resets": 0,
                                      "login_sessions": 0}


def test_the_hourly_task_runs_the_purge(app, alice_id):
    with app.app_context():
        add_rows(alice_id)
        with time_machine.travel(NOW, tick=False):
            tasks.purge_expired_sign_in_data()
        db.session.expire_all()
        assert remaining()["login_sessions"] == ["kept-live"]
    hourly = tasks.purge_expired_sign_in_data.task_class()
    assert hourly.validate_datetime(datetime(2026, 11, 30, 13, 0))
    assert not hourly.validate_datetime(datetime(2026, 11, 30, 13, 30))
