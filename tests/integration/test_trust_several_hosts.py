"""More than one machine (issue 10): two app servers, as two hosts behind a load balancer
would run them (the Procfile's gunicorn command and production settings, on different
ports), share one PostgreSQL database and one Redis.

These always run on PostgreSQL, a database of their own made for the module and dropped
after it, even in the SQLite run: several hosts can't share a SQLite file. Redis holds the
rate limits (a key prefix of the module's) and the job queue (database 9, emptied).
Two servers sharing the login limit itself is test_worker_limits.py's."""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from huey import RedisHuey
from sqlalchemy import func, select

from tests import factories
from tests.conftest import PASSWORD
from tests.integration.gunicorn_support import PRODUCTION_CONFIG, Browser, app_with, gunicorn
from tests.integration.test_queue_consumer import wait_until
from tests.integration.trust_support import (
    Consumer,
    child_env,
    clean_redis_queue,
    mail_env,
    scratch_postgres,
    smtp_sink,
    with_tables,
)
from webapp.extensions import db
from webapp.models import MoodCheckin

pytestmark = pytest.mark.slow

RESET_SUBJECT = "Reset your Onward password"


@dataclass
class Hosts:
    app: object  # an app on the shared database, for looking at it from the test
    ports: tuple[int, int]
    env: dict[str, str]
    sink: object
    tmp: Path

    def browsers(self) -> tuple[Browser, Browser]:
        return Browser(self.ports[0]), Browser(self.ports[1])


@pytest.fixture(scope="module")
def hosts(tmp_path_factory) -> Iterator[Hosts]:
    tmp = tmp_path_factory.mktemp("hosts")
    with ExitStack() as stack:
        url = stack.enter_context(scratch_postgres())
        queue_url = stack.enter_context(clean_redis_queue())
        sink, smtp_port = stack.enter_context(smtp_sink())
        # What every host gets from the deployment: the same database, Redis and secret.
        env = child_env(
            ONWARD_ENV="production", DATABASE_URL=url, REDIS_URL=queue_url,
            SECRET_KEY=(secret := secrets.token_urlsafe(40)), TRUSTED_HOSTS="127.0.0.1",
            RATELIMIT_STORAGE_URI=queue_url, WEB_CONCURRENCY="1", **mail_env(smtp_port),
        )
        app = app_with(RATELIMIT_KEY_PREFIX=f"onward-test-{uuid.uuid4().hex[:12]}")
        first = stack.enter_context(gunicorn(app, env=env, config=PRODUCTION_CONFIG))
        second = stack.enter_context(gunicorn(app, env=env, config=PRODUCTION_CONFIG))
        shared = with_tables(url, secret)
        with shared.app_context():
            for name in ("alice", "bob", "carol"):
                factories.make_user(f"{name}@example.com", name=name.title())
        yield Hosts(shared, (first.port, second.port), env, sink, tmp)
        with shared.app_context():
            db.engine.dispose()
    for server in (first, second):
        assert "Traceback" not in server.log, server.log


def test_a_session_started_on_one_host_is_valid_on_the_other(hosts):
    one, other = hosts.browsers()
    one.sign_in("alice@example.com")
    other.cookies, other.token = dict(one.cookies), one.token  # the balancer picked the other

    assert "Alice" in other.open("/")
    response, _ = other.request("POST", "/checkins", {"mood": "4", "client_uuid": str(uuid.uuid4())},
                                htmx=True)
    assert response.status == 201
    response, _ = one.request("POST", "/auth/logout", {})
    assert response.status == 303
    response, _ = other.request("GET", "/")  # signed out on every host
    assert response.status == 302 and response.headers["Location"].startswith("/auth/login")


def test_a_rate_limit_counts_requests_to_both_hosts(hosts):
    # Reset mail: 3 an hour per email. Spread over two hosts that each counted alone, six
    # would go through. An unknown address, so nothing is queued.
    one, other = hosts.browsers()
    for browser in (one, other):
        browser.open("/auth/password/forgot")
    statuses = []
    for attempt in range(5):
        browser = (one, other)[attempt % 2]
        response, _ = browser.request("POST", "/auth/password/forgot",
                                      {"email": "nobody-at-all@example.com"})
        statuses.append(response.status)
    assert statuses == [200, 200, 200, 429, 429]


def test_the_device_cookie_lockout_is_the_same_on_both_hosts(hosts):
    one, other = hosts.browsers()
    one.sign_in("bob@example.com")  # this browser now holds bob's device cookie
    device_cookie = next(value for name, value in one.cookies.items() if name.endswith("device"))
    nonce = device_cookie.split(".")[1]
    half_an_hour_ago = datetime.now(UTC) - timedelta(minutes=30)
    with hosts.app.app_context():
        # Someone guessing bob's password elsewhere has reached the hourly ceiling.
        factories.make_login_failures("bob@example.com", [half_an_hour_ago] * 100)

    def sign_in_on_other_host(with_device_cookie: bool) -> int:
        other.cookies = {}
        other.open("/auth/login")
        if with_device_cookie:
            other.cookies[next(n for n in one.cookies if n.endswith("device"))] = device_cookie
        response, _ = other.request("POST", "/auth/login",
                                    {"email": "bob@example.com", "password": PASSWORD})
        return response.status

    assert sign_in_on_other_host(with_device_cookie=False) == 429
    assert sign_in_on_other_host(with_device_cookie=True) == 303  # a device bob used before
    with hosts.app.app_context():
        # ... until that cookie is used for guessing too: then it is just another browser.
        factories.make_login_failures("bob@example.com", [half_an_hour_ago] * 10,
                                      device_nonce=nonce)
    assert sign_in_on_other_host(with_device_cookie=True) == 429


def test_a_check_in_sent_to_both_hosts_at_once_is_stored_once(hosts):
    one, other = hosts.browsers()
    one.sign_in("carol@example.com")
    other.cookies, other.token = dict(one.cookies), one.token
    key = str(uuid.uuid4())

    def send(attempt: int) -> int:
        response, _ = (one, other)[attempt % 2].request(
            "POST", "/checkins", {"mood": "3", "client_uuid": key}, htmx=True)
        return response.status

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = Counter(pool.map(send, range(10)))
    assert statuses == {201: 1, 200: 9}
    with hosts.app.app_context():
        rows = db.session.scalar(select(func.count()).select_from(MoodCheckin)
                                 .where(MoodCheckin.client_uuid == key))
        db.session.remove()
    assert rows == 1


def test_a_task_queued_on_either_host_runs_once_with_a_worker_on_each(hosts):
    one, other = hosts.browsers()
    for browser, email in ((one, "alice@example.com"), (other, "bob@example.com")):
        browser.open("/auth/password/forgot")
        response, _ = browser.request("POST", "/auth/password/forgot", {"email": email})
        assert response.status == 200
    queue = RedisHuey("onward", url=hosts.env["REDIS_URL"])
    assert queue.pending_count() == 2  # queued by the web hosts, waiting for a worker

    # A worker beside each host, both taking from the one queue.
    workers = [Consumer(hosts.env, hosts.tmp / f"worker-{n}.log").start() for n in (1, 2)]
    try:
        def resets() -> list[str]:
            return [m["To"] for m in hosts.sink.messages if m["Subject"] == RESET_SUBJECT]

        wait_until(lambda: len(resets()) >= 2, 60, "the two reset mails")
    finally:
        for worker in workers:  # graceful: whatever they had taken is finished first
            worker.stop()
    assert sorted(resets()) == ["alice@example.com", "bob@example.com"]
    assert queue.pending_count() == 0
    for worker in workers:
        assert "Traceback" not in worker.output(), worker.output()
