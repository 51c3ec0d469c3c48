"""The rules behind slowing down password guessing (TRUST.md SEC-05, SEC-06), without HTTP:
the delay schedule, the keyed hash that stands for an email, reading device cookies, and
purging old failures."""

from datetime import UTC, datetime, timedelta

import pytest
from flask import Response

from tests.factories import make_login_failures
from webapp import create_app
from webapp.auth.devices import presented_device, trust_this_device, write_device_cookie
from webapp.auth.services import DeviceCookie, account_key, purge_login_failures, seconds_to_wait
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import LoginFailure, User

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
RULES = {"free": 5, "cap": timedelta(seconds=60), "ceiling": 100}


def waits_after(count: int) -> int:
    """The wait right after `count` failures."""
    return seconds_to_wait([NOW] * count, NOW, **RULES)


def test_the_first_five_are_free_then_each_wait_doubles_up_to_a_minute():
    assert [waits_after(n) for n in range(5)] == [0] * 5
    assert [waits_after(n) for n in range(5, 13)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert waits_after(99) == 60  # no overflow however many there are


def test_the_wait_counts_from_the_latest_failure():
    latest = NOW - timedelta(seconds=3)
    assert seconds_to_wait([latest] * 7, NOW, **RULES) == 1  # 4 s after the latest
    assert seconds_to_wait([latest] * 6, NOW, **RULES) == 0  # 2 s: already over


def test_a_hundred_in_the_hour_wait_until_the_oldest_is_an_hour_old():
    # 29 s apart, the latest 90 s ago (its minute is over), the hundredth 2961 s ago.
    failures = [NOW - timedelta(seconds=90 + 29 * i) for i in range(100)]
    assert seconds_to_wait(failures, NOW, **RULES) == 3600 - 2961
    assert seconds_to_wait(failures[:99], NOW, **RULES) == 0


@pytest.fixture
def other_app():
    class OtherSecret(TestConfig):
        SECRET_KEY = "another secret that is long enough for hmac-0123456789"  # noqa: S105

    return create_app(OtherSecret)


def test_an_email_is_stood_for_by_a_keyed_hash_of_its_normal_form(app, other_app):
    with app.app_context():
        key = account_key("alice@example.com")
        assert account_key("  Alice@Example.COM ") == key
        assert len(key) == 64 and int(key, 16) >= 0
        assert account_key("bob@example.com") != key
    with other_app.app_context():
        assert account_key("alice@example.com") != key  # nobody without the secret can make it


def cookie_for(app, email: str) -> str:
    """The device cookie value a sign-in would hand out for `email`."""
    with app.test_request_context():
        trust_this_device(User(email=email))
        header = write_device_cookie(Response()).headers["Set-Cookie"]
    return header.split(";")[0].split("=", 1)[1]


def read(app, value: str) -> DeviceCookie | None:
    with app.test_request_context(headers={"Cookie": f"onward_device={value}"}):
        return presented_device()


def test_a_device_cookie_reads_back_only_with_its_own_signature(app, other_app):
    value = cookie_for(app, "alice@example.com")
    device = read(app, value)
    with app.app_context():
        assert device is not None and device.account_key == account_key("alice@example.com")
    assert len(device.nonce) >= 16 and device.nonce in value
    assert cookie_for(app, "alice@example.com") != value  # a new nonce each time
    key, nonce, signature = value.split(".")
    assert read(app, f"{key}.{nonce[::-1]}.{signature}") is None
    assert read(app, f"{key}.{nonce}") is None
    assert read(app, "") is None and read(app, "...") is None
    assert read(other_app, value) is None


def test_old_failures_can_be_purged(app):
    with app.app_context():
        make_login_failures("alice@example.com", [NOW - timedelta(hours=25), NOW - timedelta(hours=2)])
        make_login_failures("zelda@example.com", [NOW - timedelta(minutes=5)], device_nonce="n" * 22)
        assert purge_login_failures(NOW - timedelta(hours=1)) == 2
        assert [row.failed_at for row in db.session.query(LoginFailure)] == [NOW - timedelta(minutes=5)]
