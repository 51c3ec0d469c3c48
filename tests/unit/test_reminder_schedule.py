"""When a daily check-in reminder is due: the user's local time on the chosen weekdays,
once a day, across daylight-saving changes (no database: the rules alone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from webapp.reminders.services import (
    CATCH_UP,
    EVERY_DAY,
    ReminderProblem,
    ReminderSettings,
    SubscriptionInput,
    days_from_bits,
    days_to_bits,
    due_day,
    fire_time,
)
from webapp.reminders.vapid import b64url


def settings(at: str, days: frozenset[int] = EVERY_DAY, on: bool = True) -> ReminderSettings:
    hour, minute = (int(p) for p in at.split(":"))
    return ReminderSettings(on=on, at=time(hour, minute), days=days)


def sends_over(start: datetime, hours: int, plan: ReminderSettings, tz: str, *,
               every: int = 1) -> list[datetime]:
    """Tick every minute (or `every` minutes) for `hours` from `start`, as the periodic task
    does, claiming each due day once (as the claim row does); return the moments a reminder
    went out."""
    claimed: set[date] = set()
    sent = []
    for minute in range(0, hours * 60, every):
        now = start + timedelta(minutes=minute)
        day = due_day(now, plan, tz)
        if day is not None and day not in claimed:
            claimed.add(day)
            sent.append(now)
    return sent


def test_due_at_the_local_time_and_for_a_while_after():
    plan = settings("09:00")
    # 09:00 in London in summer is 08:00 UTC.
    assert due_day(datetime(2026, 7, 1, 7, 59, tzinfo=UTC), plan, "Europe/London") is None
    assert due_day(datetime(2026, 7, 1, 8, 0, tzinfo=UTC), plan, "Europe/London") == date(2026, 7, 1)
    late = datetime(2026, 7, 1, 8, 0, tzinfo=UTC) + CATCH_UP
    assert due_day(late - timedelta(minutes=1), plan, "Europe/London") == date(2026, 7, 1)
    assert due_day(late, plan, "Europe/London") is None


def test_the_users_own_clock_decides_the_day():
    # 23:30 on Tuesday in Los Angeles is already Wednesday in UTC.
    plan = settings("23:30", days=frozenset({1}))  # Tuesdays only
    now = datetime(2026, 7, 8, 6, 30, tzinfo=UTC)  # Wednesday 06:30 UTC
    assert due_day(now, plan, "America/Los_Angeles") == date(2026, 7, 7)
    assert due_day(now, settings("06:30", days=frozenset({1})), "UTC") is None


def test_only_on_the_chosen_weekdays_and_never_when_off():
    weekdays = settings("08:00", days=frozenset(range(5)))
    sends = sends_over(datetime(2026, 6, 1, tzinfo=UTC), 24 * 7, weekdays, "UTC")  # Mon..Sun
    assert [s.date() for s in sends] == [date(2026, 6, d) for d in range(1, 6)]
    assert all(s.time() == time(8, 0) for s in sends)
    assert sends_over(datetime(2026, 6, 1, tzinfo=UTC), 48, settings("08:00", on=False),
                      "UTC") == []


def test_a_time_skipped_by_spring_forward_still_fires_once():
    # London, 29 March 2026: clocks go from 01:00 GMT to 02:00 BST; 01:30 never happens.
    plan = settings("01:30")
    sends = sends_over(datetime(2026, 3, 28, 12, tzinfo=UTC), 48, plan, "Europe/London")
    spring = [s for s in sends if s.date() == date(2026, 3, 29)]
    assert len(spring) == 1
    # It goes out as the clock reads 02:30 BST (01:30 UTC), the hour the day skipped to.
    assert spring[0] == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert fire_time(date(2026, 3, 29), time(1, 30), "Europe/London") == spring[0]
    # The day before it was 01:30 GMT as usual: one reminder a day, no more.
    assert len(sends) == 2


def test_the_repeated_hour_in_autumn_fires_once():
    # New York, 1 November 2026: 01:00 to 02:00 EDT happens, then 01:00 to 02:00 EST again.
    plan = settings("01:30")
    sends = sends_over(datetime(2026, 11, 1, 0, tzinfo=UTC), 24, plan, "America/New_York")
    assert sends == [datetime(2026, 11, 1, 5, 30, tzinfo=UTC)]  # 01:30 EDT, the first one


@pytest.mark.parametrize("tz", ["Europe/London", "America/New_York", "Australia/Sydney",
                                "Asia/Kolkata", "UTC"])
def test_one_reminder_a_day_through_a_whole_year(tz):
    """Both DST changes of the year included: every local day gets exactly one reminder."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    sends = sends_over(start, 24 * 367, settings("02:15"), tz, every=15)
    local_days = [fire.astimezone(ZoneInfo(tz)).date() for fire in sends]
    assert len(local_days) == len(set(local_days))
    # Every day from the first local day the span covers fully to the last.
    first = local_days[0]
    assert local_days == [first + timedelta(days=n) for n in range(len(local_days))]
    assert len(local_days) >= 365


def test_weekdays_travel_as_bits():
    assert days_to_bits(EVERY_DAY) == 127
    assert days_from_bits(days_to_bits(frozenset({0, 6}))) == frozenset({0, 6})
    assert days_from_bits(0) == frozenset()


P256DH = b64url(b"\x04" + bytes(range(64)))
AUTH = b64url(bytes(16))


def browser_json(endpoint="https://fcm.googleapis.com/fcm/send/abc123", **keys):
    return {"endpoint": endpoint, "expirationTime": None,
            "keys": {"p256dh": keys.get("p256dh", P256DH), "auth": keys.get("auth", AUTH)}}


def test_a_browsers_subscription_is_read():
    subscription = SubscriptionInput.from_json(browser_json())
    assert subscription.endpoint.startswith("https://fcm.googleapis.com/")
    assert (subscription.p256dh, subscription.auth) == (P256DH, AUTH)


@pytest.mark.parametrize("endpoint", [
    "https://fcm.googleapis.com/fcm/send/abc",
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAA",
    "https://web.push.apple.com/QGuQyavXutnMHOtb",
    "https://wns2-bn3p.notify.windows.com/w/?token=BQYAAAD",
    "https://fcm.googleapis.com:443/fcm/send/abc",
])
def test_the_browsers_push_services_are_accepted(endpoint):
    assert SubscriptionInput.from_json(browser_json(endpoint)).endpoint == endpoint


@pytest.mark.parametrize("endpoint", [
    "http://fcm.googleapis.com/fcm/send/abc",  # not https
    "https://fcm.googleapis.com:8443/fcm/send/abc",  # another port
    "https://127.0.0.1/push",  # an address
    "https://[::1]/push",
    "https://localhost/push",
    "https://metadata.internal/push",
    "https://push.example.com/x",  # not a push service we know
    "https://evilfcm.googleapis.com.attacker.example/x",
    "https://notfcm.googleapis.com.example/x",
    "https://user:pw@fcm.googleapis.com/x",
    "https://fcm.googleapis.com/" + "x" * 1000,
    "",
    None,
])
def test_push_addresses_we_would_not_post_to_are_refused(endpoint):
    with pytest.raises(ReminderProblem):
        SubscriptionInput.from_json(browser_json(endpoint))


def test_an_operator_can_name_other_push_services():
    hosts = ("push.example.org",)
    assert SubscriptionInput.from_json(browser_json("https://eu.push.example.org/x"), hosts)
    with pytest.raises(ReminderProblem):
        SubscriptionInput.from_json(browser_json("https://fcm.googleapis.com/x"), hosts)


@pytest.mark.parametrize("keys", [
    {"p256dh": b64url(bytes(10))}, {"auth": b64url(bytes(8))}, {"auth": "not base64 !"},
    {"p256dh": 12},
])
def test_keys_of_the_wrong_size_are_refused(keys):
    with pytest.raises(ReminderProblem):
        SubscriptionInput.from_json(browser_json(**keys))


@pytest.mark.parametrize("data", [None, [], {"endpoint": "https://a.example/x"}, "text"])
def test_anything_but_a_subscription_is_refused(data):
    with pytest.raises(ReminderProblem):
        SubscriptionInput.from_json(data)
