"""The user's local day: midnight and daylight-saving edges."""

from datetime import UTC, date, datetime, timedelta

import pytest

from webapp.timezones import is_valid_timezone, local_day, local_noon, local_today


@pytest.mark.parametrize(
    ("moment", "zone", "expected"),
    [
        # One minute either side of midnight in London (winter: UTC+0).
        (datetime(2026, 11, 24, 23, 59, tzinfo=UTC), "Europe/London", date(2026, 11, 24)),
        (datetime(2026, 11, 25, 0, 0, tzinfo=UTC), "Europe/London", date(2026, 11, 25)),
        # Auckland is already tomorrow (UTC+13 in November).
        (datetime(2026, 11, 25, 10, 59, tzinfo=UTC), "Pacific/Auckland", date(2026, 11, 25)),
        (datetime(2026, 11, 25, 11, 0, tzinfo=UTC), "Pacific/Auckland", date(2026, 11, 26)),
        # Los Angeles is still yesterday (UTC-8).
        (datetime(2026, 11, 25, 7, 59, tzinfo=UTC), "America/Los_Angeles", date(2026, 11, 24)),
        (datetime(2026, 11, 25, 8, 0, tzinfo=UTC), "America/Los_Angeles", date(2026, 11, 25)),
        # Half-hour offset: India (UTC+5:30).
        (datetime(2026, 6, 30, 18, 29, tzinfo=UTC), "Asia/Kolkata", date(2026, 6, 30)),
        (datetime(2026, 6, 30, 18, 30, tzinfo=UTC), "Asia/Kolkata", date(2026, 7, 1)),
    ],
)
def test_local_day_at_midnight(moment, zone, expected):
    assert local_day(moment, zone) == expected


def test_midnight_moves_with_daylight_saving():
    # New York: midnight is 04:00 UTC in summer (EDT) and 05:00 UTC in winter (EST).
    # DST ended on 2026-11-01, so 04:30 UTC is still Oct 31 on Nov 1 and Nov 1 on Nov 2.
    assert local_day(datetime(2026, 11, 1, 4, 30, tzinfo=UTC), "America/New_York") == date(2026, 11, 1)
    assert local_day(datetime(2026, 11, 2, 4, 30, tzinfo=UTC), "America/New_York") == date(2026, 11, 1)
    assert local_day(datetime(2026, 11, 2, 5, 0, tzinfo=UTC), "America/New_York") == date(2026, 11, 2)


def test_the_day_clocks_go_forward_is_23_hours_long():
    # London skipped 01:00-02:00 on 2026-03-29.
    start = datetime(2026, 3, 29, 0, 0, tzinfo=UTC)  # 00:00 GMT, start of the local day
    end = datetime(2026, 3, 29, 23, 0, tzinfo=UTC)  # 00:00 BST on the 30th
    assert local_day(start, "Europe/London") == date(2026, 3, 29)
    assert local_day(end - timedelta(seconds=1), "Europe/London") == date(2026, 3, 29)
    assert local_day(end, "Europe/London") == date(2026, 3, 30)


def test_local_noon_is_noon_on_the_users_clock_even_on_dst_days():
    assert local_noon(date(2026, 3, 29), "Europe/London") == datetime(2026, 3, 29, 11, 0, tzinfo=UTC)
    assert local_noon(date(2026, 11, 1), "America/New_York") == datetime(2026, 11, 1, 17, 0, tzinfo=UTC)
    assert local_noon(date(2026, 1, 15), "Europe/London") == datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


def test_local_today_uses_the_given_clock():
    now = datetime(2026, 11, 25, 11, 30, tzinfo=UTC)
    assert local_today("Pacific/Auckland", now) == date(2026, 11, 26)
    assert local_today("America/Los_Angeles", now) == date(2026, 11, 25)


def test_unknown_zone_names_are_refused_and_fall_back_to_utc():
    assert is_valid_timezone("Europe/Paris")
    assert not is_valid_timezone("Mars/Olympus_Mons")
    assert not is_valid_timezone("../../etc/passwd")
    assert local_day(datetime(2026, 11, 25, 23, 30, tzinfo=UTC), "Mars/Olympus_Mons") == date(2026, 11, 25)
