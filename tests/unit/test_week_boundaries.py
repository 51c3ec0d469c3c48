"""Where a week starts: Monday, on the user's own clock. Sunday night in Auckland is already
next week while London is still in this one; daylight-saving changes move the hour the week
starts at, never the day."""

from datetime import UTC, date, datetime

import pytest

from webapp.week.weeks import current_week_start, parse_week, week_end_of, week_start_of

# 2026-06-01 and 2026-06-08 are Mondays; 2026-06-07 is the Sunday between them.
MONDAY, SUNDAY, NEXT_MONDAY = date(2026, 6, 1), date(2026, 6, 7), date(2026, 6, 8)


@pytest.mark.parametrize(
    ("day", "monday"),
    [
        (MONDAY, MONDAY),  # the Monday itself starts its own week
        (date(2026, 6, 3), MONDAY),
        (SUNDAY, MONDAY),  # Sunday is the last day, not the first
        (NEXT_MONDAY, NEXT_MONDAY),
        (date(2026, 1, 1), date(2025, 12, 29)),  # a week that spans New Year
    ],
)
def test_week_start_of_is_the_monday(day, monday):
    assert week_start_of(day) == monday
    assert week_end_of(monday).weekday() == 6


@pytest.mark.parametrize(
    ("moment", "zone", "monday"),
    [
        # Sunday 23:30 in Auckland (NZST, UTC+12) is Sunday 11:30 in UTC: the same week for both.
        (datetime(2026, 6, 7, 11, 30, tzinfo=UTC), "Pacific/Auckland", MONDAY),
        (datetime(2026, 6, 7, 11, 30, tzinfo=UTC), "UTC", MONDAY),
        # Half an hour later (00:00 Monday in Auckland) Auckland's week has turned; UTC's hasn't.
        (datetime(2026, 6, 7, 12, 0, tzinfo=UTC), "Pacific/Auckland", NEXT_MONDAY),
        (datetime(2026, 6, 7, 12, 0, tzinfo=UTC), "UTC", MONDAY),
        # Sunday 23:30 in UTC is Monday 11:30 in Auckland: next week there already.
        (datetime(2026, 6, 7, 23, 30, tzinfo=UTC), "UTC", MONDAY),
        (datetime(2026, 6, 7, 23, 30, tzinfo=UTC), "Pacific/Auckland", NEXT_MONDAY),
        # ...and still last Sunday afternoon in Los Angeles (UTC-7 in June).
        (datetime(2026, 6, 8, 6, 59, tzinfo=UTC), "America/Los_Angeles", MONDAY),
        (datetime(2026, 6, 8, 7, 0, tzinfo=UTC), "America/Los_Angeles", NEXT_MONDAY),
        # The Monday itself, at its first minute.
        (datetime(2026, 6, 8, 0, 0, tzinfo=UTC), "UTC", NEXT_MONDAY),
        (datetime(2026, 6, 7, 23, 59, tzinfo=UTC), "UTC", MONDAY),
    ],
)
def test_the_week_turns_at_midnight_on_sunday_in_the_users_zone(moment, zone, monday):
    assert current_week_start(zone, moment) == monday


def test_a_week_whose_sunday_loses_an_hour_in_london():
    # Clocks went forward at 01:00 UTC on Sunday 29 March 2026: that Sunday is 23 hours long,
    # and Monday 30 March starts at 23:00 UTC on the Sunday.
    week, next_week = date(2026, 3, 23), date(2026, 3, 30)
    assert current_week_start("Europe/London", datetime(2026, 3, 29, 0, 30, tzinfo=UTC)) == week
    assert current_week_start("Europe/London", datetime(2026, 3, 29, 22, 59, tzinfo=UTC)) == week
    assert current_week_start("Europe/London", datetime(2026, 3, 29, 23, 0, tzinfo=UTC)) == next_week
    # For someone on UTC that moment is still Sunday.
    assert current_week_start("UTC", datetime(2026, 3, 29, 23, 0, tzinfo=UTC)) == week


def test_a_week_whose_sunday_gains_an_hour_in_auckland():
    # New Zealand daylight time ended at 03:00 NZDT on Sunday 5 April 2026 (14:00 UTC on the
    # Saturday): that Sunday is 25 hours long, and Monday starts at 12:00 UTC (NZST, UTC+12).
    week, next_week = date(2026, 3, 30), date(2026, 4, 6)
    assert current_week_start("Pacific/Auckland", datetime(2026, 4, 4, 11, 0, tzinfo=UTC)) == week
    assert current_week_start("Pacific/Auckland", datetime(2026, 4, 5, 11, 59, tzinfo=UTC)) == week
    assert current_week_start("Pacific/Auckland", datetime(2026, 4, 5, 12, 0, tzinfo=UTC)) == next_week


def test_a_week_whose_monday_follows_an_autumn_change_in_new_york():
    # US daylight time ended on Sunday 1 November 2026: Monday 2 November starts at 05:00 UTC
    # (EST), an hour later than the Monday before it did (04:00 UTC, EDT).
    assert current_week_start("America/New_York", datetime(2026, 11, 2, 4, 59, tzinfo=UTC)) == date(2026, 10, 26)
    assert current_week_start("America/New_York", datetime(2026, 11, 2, 5, 0, tzinfo=UTC)) == date(2026, 11, 2)
    assert current_week_start("America/New_York", datetime(2026, 10, 26, 4, 0, tzinfo=UTC)) == date(2026, 10, 26)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-06-01", MONDAY),
        ("2000-01-03", date(2000, 1, 3)),  # the first Monday of 2000
        ("2026-06-02", None),  # a Tuesday
        ("2026-06-07", None),  # a Sunday
        ("1999-12-27", None),  # a Monday, but before 2000
        ("2101-01-03", None),  # a Monday, but after 2100
        ("9999-12-27", None),
        ("0001-01-01", None),
        ("2026-02-30", None),
        ("2026-6-1", None),
        ("20260601", None),
        ("monday", None),
        ("", None),
        (None, None),
        ("2026-06-01T00:00", None),
    ],
)
def test_parse_week_accepts_only_sensible_mondays(text, expected):
    assert parse_week(text) == expected
