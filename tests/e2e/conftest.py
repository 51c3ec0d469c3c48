"""Browser tests: the real app on a live server, driven by Debian's Chromium on a phone.

- One live server for the whole session: `create_app("testing")`'s config on a temp-file
  SQLite database, or on the PostgreSQL in TEST_DATABASE_URL (tables created at the start,
  emptied at the end so later test modules find them clean).
- pytest-playwright drives /usr/bin/chromium (never `playwright install`; see
  /work/shared/TOOLCHAIN.md section 2). No Chromium is an error, never a skip.
- Every context is a 360x740 Android phone, and every context made through the `context`
  fixture or `watched_context` records Content-Security-Policy violations, console errors
  and uncaught page errors; each test ends with `watch.assert_clean()`.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Playwright, expect
from sqlalchemy import delete, select, text
from werkzeug.serving import make_server

from tests import factories
from tests.factories import PASSWORD
from webapp import create_app
from webapp.auth import services as auth_services
from webapp.config import TestConfig
from webapp.extensions import db, limiter
from webapp.models import LoginSession, MoodCheckin, SelfCareHabit, User, WeeklyGoal
from webapp.selfcare import services as selfcare

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # running as root
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",  # closed network: fewer refused connections
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# A 360 px wide Android phone (the narrowest common width) with touch.
PHONE = "Galaxy S8"
# The browser's clock zone; users made here live in it too, so "today" is the same day for
# the browser, the server and the test.
TIMEZONE = "Europe/London"
ROOT = Path(__file__).resolve().parents[2]

# Runs in every page before its own scripts: keep CSP violations in window.__csp and
# report each one to the test at once (the list dies with the page on navigation).
CSP_WATCH = """
(() => {
  window.__csp = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    const v = {
      directive: event.effectiveDirective || event.violatedDirective,
      blocked: event.blockedURI,
      source: event.sourceFile,
      line: event.lineNumber,
      sample: event.sample,
      page: location.href,
    };
    window.__csp.push(v);
    if (typeof window.__onwardCspReport === "function") window.__onwardCspReport(v);
  }, true);
})();
"""


# --- The live server ------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    name: str
    password: str = PASSWORD


@dataclass
class LiveServer:
    app: Flask
    url: str

    @contextmanager
    def db(self) -> Iterator[Any]:
        """The app's database session, in the live app's context (on the test's thread)."""
        with self.app.app_context():
            yield db.session

    def create_user(self, name: str = "Robin", *, timezone: str = TIMEZONE) -> Account:
        """A new account straight through the service (no HTTP, no rate limit)."""
        with self.db():
            user = factories.make_user(name=name, timezone=timezone)
            return Account(id=user.id, email=user.email, name=name)

    def add_checkin(self, account: Account, mood: int, *, day: date | None = None,
                    energy: int | None = None, emotions: tuple[str, ...] = (),
                    note: str | None = None) -> int:
        with self.db():
            user = factories.user_by_id(account.id)
            return factories.make_checkin(
                user, mood, day=day, energy=energy, emotions=emotions, note=note
            ).id

    def mark_habit_done(self, account: Account, habit_name: str, day: date) -> None:
        with self.db():
            user = factories.user_by_id(account.id)
            factories.mark_done(user, factories.habit_named(user, habit_name), day)

    def archive_habit(self, account: Account, habit_name: str) -> None:
        with self.db():
            user = factories.user_by_id(account.id)
            selfcare.archive_habit(factories.habit_named(user, habit_name))

    def log_activity(self, account: Account, kind: str = "networking", *,
                     note: str | None = None) -> int:
        """A networking or learning activity logged today; its id."""
        with self.db():
            return factories.make_activity(factories.user_by_id(account.id), kind,
                                           note=note or "").id

    def add_review(self, account: Account, **answers) -> date:
        """A review of last week; the Monday it is for."""
        with self.db():
            return factories.make_review(factories.user_by_id(account.id), **answers).week_start

    def weekly_targets(self, account: Account, week_start: date) -> tuple[int, int, int, int]:
        """The (applications, networking, learning, rest days) set for that very week."""
        with self.db() as session:
            goal = session.scalar(
                WeeklyGoal.owned_by(account.id).where(WeeklyGoal.week_start == week_start)
            )
            assert goal is not None, f"no goals set for the week of {week_start}"
            return (goal.applications_target, goal.networking_target, goal.learning_target,
                    goal.rest_days)

    def habit_id(self, account: Account, habit_name: str) -> int:
        with self.db() as session:
            return session.scalar(
                select(SelfCareHabit.id).where(
                    SelfCareHabit.user_id == account.id, SelfCareHabit.name == habit_name
                )
            )

    def checkins(self, account: Account) -> list[MoodCheckin]:
        with self.db() as session:
            rows = list(session.scalars(
                MoodCheckin.owned_by(account.id).order_by(MoodCheckin.id)
            ))
            session.expunge_all()
            return rows

    def user(self, email: str) -> User:
        with self.db() as session:
            user = session.scalar(select(User).where(User.email == email))
            assert user is not None, f"no account for {email}"
            session.expunge_all()
            return user

    def end_sessions(self, account: Account) -> None:
        """Sign every device of this user out on the server (as "sign out everywhere" or
        an expired row would)."""
        with self.db() as session:
            session.execute(delete(LoginSession).where(LoginSession.user_id == account.id))
            session.commit()

    def password_reset_token(self, account: Account) -> str:
        with self.db() as session:
            reset = auth_services.create_password_reset(account.email)
            session.commit()
            assert reset is not None
            return reset.token


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if os.environ.get("TEST_DATABASE_URL"):
        return TestConfig.SQLALCHEMY_DATABASE_URI  # already normalised for psycopg 3
    return f"sqlite:///{tmp_path_factory.mktemp('e2e-db') / 'onward.db'}"


def _read_whole(app: Flask) -> Callable:
    """Each response read whole, and closed, before it is sent. Werkzeug's development
    server closes a response only after reading what is left on the socket, which raises
    when the browser has dropped the connection (it does with icons it no longer wants),
    so a static file stayed open and its ResourceWarning failed whichever test was running."""
    def wsgi(environ: dict, start_response: Callable) -> list[bytes]:
        response = app(environ, start_response)
        try:
            return [b"".join(response)]
        finally:
            if hasattr(response, "close"):
                response.close()

    return wsgi


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app on a free loopback port, served from a thread for the whole session."""
    config = type("E2ETestConfig", (TestConfig,),
                  {"SQLALCHEMY_DATABASE_URI": _database_url(tmp_path_factory)})
    app = create_app(config)
    with app.app_context():
        db.create_all()  # checkfirst: tables left by migrations or other suites are kept
    server = make_server("127.0.0.1", 0, _read_whole(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            if db.engine.dialect.name == "postgresql":
                tables = ", ".join(t.name for t in db.metadata.sorted_tables)
                with db.engine.begin() as conn:
                    conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.engine.dispose()


@pytest.fixture(scope="session")
def localhost_url(live_server: LiveServer) -> str:
    """The same live server as http://localhost:PORT. WebAuthn refuses an IP address as the
    site a passkey belongs to, so the passkey tests browse here; the server still listens on
    127.0.0.1 and every other test keeps using `live_server.url`."""
    return live_server.url.replace("://127.0.0.1:", "://localhost:", 1)


@pytest.fixture(autouse=True)
def _fresh_rate_limits(live_server: LiveServer) -> None:
    """Each test starts with fresh rate-limit counters, as the integration `app` fixture
    does. The limits stay on: a test that trips one sees a real 429."""
    with live_server.app.app_context():
        limiter.reset()


# --- pytest-playwright wiring ---------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    # Keep pytest-playwright's own options (--headed, --slowmo) and add ours.
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"The browser tests need Chromium at {CHROMIUM}, and it is not there. Run "
            "`make test` (it installs it), or `apt-get install -y chromium fonts-dejavu-core`. "
            "Never `playwright install`: it downloads a browser, and this machine is offline.",
            pytrace=False,
        )
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def base_url(live_server: LiveServer) -> str:
    # Every context gets it, so page.goto("/") works. Overriding it also silences
    # pytest-playwright's fallback base_url fixture.
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict, playwright: Playwright) -> dict:
    return {
        **browser_context_args,
        **playwright.devices[PHONE],
        "timezone_id": TIMEZONE,
        "locale": "en-GB",
    }


# --- Watching for CSP violations and script errors ------------------------------------------


@dataclass
class BrowserWatch:
    """What went wrong in the browser: CSP violations, console errors, page errors."""

    csp: list[dict] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    visited: list[str] = field(default_factory=list)
    expected_console: list[re.Pattern] = field(default_factory=list)
    pages: list[Page] = field(default_factory=list)
    checked: bool = False

    def attach(self, context: BrowserContext) -> BrowserContext:
        context.expose_binding("__onwardCspReport", lambda _source, v: self.csp.append(v))
        context.add_init_script(CSP_WATCH)
        context.on("console", self._on_console)
        context.on("weberror", lambda error: self.page_errors.append(str(error.error)))
        context.on("page", self._on_page)
        for page in context.pages:
            self._on_page(page)
        return context

    def _on_page(self, page: Page) -> None:
        self.pages.append(page)
        page.on("framenavigated",
                lambda frame: frame.parent_frame is None and self.visited.append(frame.url))

    def _on_console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console_errors.append(f"{message.text} (at {message.location.get('url')})")

    def expect_console_error(self, pattern: str) -> None:
        """Allow console errors matching `pattern` (a failed request the test provokes)."""
        self.expected_console.append(re.compile(pattern))

    def _unexpected_console(self) -> list[str]:
        return [m for m in self.console_errors
                if not any(p.search(m) for p in self.expected_console)]

    def assert_clean(self) -> None:
        self.checked = True
        in_pages = []
        for page in self.pages:
            if not page.is_closed():
                in_pages += page.evaluate("window.__csp || []")
        visited = "\n  ".join(dict.fromkeys(self.visited))
        assert not self.csp and not in_pages, (
            f"CSP violations: {self.csp or in_pages}\nPages visited:\n  {visited}"
        )
        assert not self.page_errors, f"Uncaught script errors: {self.page_errors}"
        assert not self._unexpected_console(), (
            f"Console errors: {self._unexpected_console()}\nPages visited:\n  {visited}"
        )


TEST_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    report = yield
    if report.when == "call":
        item.stash[TEST_FAILED] = call.excinfo is not None  # failed, or failed as expected
    return report


@pytest.fixture
def watch(request: pytest.FixtureRequest) -> Iterator[BrowserWatch]:
    w = BrowserWatch()
    yield w
    # A passing test that forgot its final check still gets one (a failed test has
    # already said what went wrong).
    if not w.checked and not request.node.stash.get(TEST_FAILED, True):
        w.assert_clean()


@pytest.fixture
def context(new_context: Callable[..., BrowserContext], watch: BrowserWatch) -> BrowserContext:
    """pytest-playwright's context (a phone, with base_url), watched from its first page."""
    return watch.attach(new_context())


@pytest.fixture
def watched_context(
    browser: Browser, browser_context_args: dict, watch: BrowserWatch
) -> Iterator[Callable[..., BrowserContext]]:
    """Another watched phone context; options (color_scheme, bypass_csp,
    device_scale_factor, ...) override the phone's."""
    made: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        made.append(browser.new_context(**{**browser_context_args, **options}))
        return watch.attach(made[-1])

    yield make
    for context in made:
        context.close()


# --- Accounts and signing in ----------------------------------------------------------------


@pytest.fixture
def account(live_server: LiveServer) -> Account:
    """A new account with the four default habits and no check-ins."""
    return live_server.create_user("Robin")


def sign_in(page: Page, account: Account) -> None:
    """Sign in through the login form, as a person would, and land on Today."""
    page.goto("/auth/login")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hi, {account.name}")
    assert urlsplit(page.url).path == "/"


@pytest.fixture
def signed_in_page(page: Page, account: Account) -> Page:
    sign_in(page, account)
    return page


def today_in(zone: str = TIMEZONE) -> date:
    """Today on the users' (and the browser's) clock."""
    return datetime.now(ZoneInfo(zone)).date()
