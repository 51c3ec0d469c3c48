"""Races between real gunicorn worker processes (TRUST.md TST-09): the habit cap and habit
names hold under concurrent adds, and one email makes one account however many sign-ups
arrive at once. On PostgreSQL these meet the row lock and the unique indexes for real."""

from __future__ import annotations

import os
import secrets
import threading
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TypeVar

import pytest
from flask import Flask
from sqlalchemy import func, select

from tests import factories
from tests.conftest import ON_POSTGRES, PASSWORD
from tests.integration.gunicorn_support import Browser, app_with, gunicorn
from webapp import create_app
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import SelfCareHabit, User
from webapp.selfcare.services import ACTIVE_HABITS_MAX, DEFAULT_HABITS, NAME_TAKEN

CAP_REACHED = f"You can keep up to {ACTIVE_HABITS_MAX} habits"
EMAIL_TAKEN = "create an account with that email"
T = TypeVar("T")


@dataclass
class Server:
    """The app under gunicorn, and the in-process app that sets up and checks its data."""

    app: Flask
    port: int
    emails: list[str] = field(default_factory=list)

    def user(self) -> str:
        """A new account with the default habits (removed at the end); returns its email."""
        with self.app.app_context():
            email = factories.make_user(name="Racer").email
        self.emails.append(email)
        return email

    def count(self, query) -> int:
        with self.app.app_context():
            return db.session.scalar(query)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    """4 worker processes, as in test_concurrency.py, shared by this module's tests."""
    if ON_POSTGRES:
        url = os.environ["TEST_DATABASE_URL"]
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('races') / 'r.db'}"

    class Settings(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Settings)
    with app.app_context():
        db.create_all()
    env = {"DATABASE_URL": url, "SECRET_KEY": secrets.token_urlsafe(40),
           "ONWARD_ENV": "development", "MAIL_BACKEND": "log"}
    # No rate limits: one client address sends every sign-up here, and the subject is the
    # database. The suite's cheap argon2 parameters keep ten sign-ups quick and spare the
    # test users a rehash at their first sign-in.
    served_app = app_with(RATELIMIT_ENABLED=False, ARGON2_TIME_COST=TestConfig.ARGON2_TIME_COST,
                          ARGON2_MEMORY_KIB=TestConfig.ARGON2_MEMORY_KIB,
                          ARGON2_PARALLELISM=TestConfig.ARGON2_PARALLELISM)
    state = Server(app, 0)
    try:
        with gunicorn(served_app, "--workers", "4", "--threads", "2", "--worker-class",
                      "gthread", env=env) as served:
            state.port = served.port
            yield state
    finally:
        with app.app_context():
            if ON_POSTGRES:
                db.session.execute(db.delete(User).where(User.email.in_(state.emails)))
                db.session.commit()
            db.engine.dispose()
    assert "database is locked" not in served.log, served.log
    assert "Traceback" not in served.log, served.log


def at_once(send: Callable[[T], tuple], items: Sequence[T]) -> list[tuple[int, str]]:
    """Send one request per item from its own thread, all released together."""
    start = threading.Barrier(len(items))

    def go(item: T) -> tuple[int, str]:
        start.wait(timeout=10)
        response, page = send(item)
        return response.status, page

    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(go, items))


def active_habits(user_email: str):
    return (
        select(func.count()).select_from(SelfCareHabit).join(User)
        .where(User.email == user_email, SelfCareHabit.archived_at.is_(None))
    )


def test_twenty_habits_added_at_once_stop_at_the_cap(server):
    email = server.user()
    browser = Browser(server.port)
    browser.sign_in(email)
    names = [f"Race habit {i}" for i in range(20)]

    results = at_once(
        lambda name: browser.request("POST", "/selfcare/habits", {"name": name}), names
    )

    room = ACTIVE_HABITS_MAX - len(DEFAULT_HABITS)
    assert Counter(status for status, _ in results) == {303: room, 422: len(names) - room}
    assert all(CAP_REACHED in page for status, page in results if status == 422)
    assert server.count(active_habits(email)) == ACTIVE_HABITS_MAX


def test_one_name_added_ten_times_at_once_makes_one_habit(server):
    email = server.user()
    browser = Browser(server.port)
    browser.sign_in(email)
    # Case and spacing don't make a different habit (selfcare.services.name_key).
    spellings = ["Evening walk", "evening walk", "EVENING WALK", "  Evening   walk ",
                 "Evening\twalk", "evening Walk", "Evening walk ", "eVeNiNg wAlK",
                 "Evening  Walk", "EVENING walk"]

    results = at_once(
        lambda name: browser.request("POST", "/selfcare/habits", {"name": name}), spellings
    )

    assert Counter(status for status, _ in results) == {303: 1, 422: 9}
    assert all(NAME_TAKEN in page for status, page in results if status == 422)
    walks = (select(func.count()).select_from(SelfCareHabit).join(User)
             .where(User.email == email, SelfCareHabit.name_key == "evening walk"))
    assert server.count(walks) == 1
    assert server.count(active_habits(email)) == len(DEFAULT_HABITS) + 1


def test_one_email_signed_up_ten_times_at_once_makes_one_account(server):
    email = f"twin-{uuid.uuid4().hex[:8]}@example.com"
    server.emails.append(email)
    spellings = [email, email.upper(), email.capitalize(), email.swapcase(), email.title()] * 2
    visitors = []
    for spelling in spellings:  # each its own visitor, with its own session and token
        visitor = Browser(server.port)
        visitor.open("/auth/register")
        visitors.append((visitor, spelling))

    def sign_up(visit: tuple[Browser, str]) -> tuple:
        visitor, spelling = visit
        return visitor.request("POST", "/auth/register", {
            "display_name": "Twin", "email": spelling, "password": PASSWORD,
            "timezone": "UTC", "consent": "y",
        })

    results = at_once(sign_up, visitors)

    assert Counter(status for status, _ in results) == {303: 1, 422: len(spellings) - 1}
    assert all(EMAIL_TAKEN in page for status, page in results if status == 422)
    accounts = select(func.count()).select_from(User).where(User.email == email)
    assert server.count(accounts) == 1
    # The one account is whole: the default habits came in the same transaction.
    assert server.count(active_habits(email)) == len(DEFAULT_HABITS)
