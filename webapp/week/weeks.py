"""Weeks on the user's calendar. A week starts on Monday in the user's own time zone, so
Sunday night in Auckland is already next week while it is still Sunday morning in London."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from webapp.timezones import local_today

# The first Monday of 2000: nothing in Onward is older, and a week before it in a URL is a
# typo or a probe, answered with a 404.
EARLIEST_WEEK = date(2000, 1, 3)
LATEST_YEAR = 2100
DAYS_IN_WEEK = 7


def week_start_of(day: date) -> date:
    """The Monday of the week `day` falls in."""
    return day - timedelta(days=day.weekday())


def week_end_of(week_start: date) -> date:
    """The Sunday that closes the week starting on `week_start`."""
    return week_start + timedelta(days=DAYS_IN_WEEK - 1)


def current_week_start(tz_name: str, now: datetime | None = None) -> date:
    """The Monday of this week on the clock of someone in `tz_name`."""
    return week_start_of(local_today(tz_name, now))


def is_sensible_week(week_start: date) -> bool:
    """A Monday between 2000 and 2100: a week a URL may name."""
    return (
        week_start.weekday() == 0
        and week_start >= EARLIEST_WEEK
        and week_start.year <= LATEST_YEAR
    )


def parse_week(text: str | None) -> date | None:
    """The Monday written as YYYY-MM-DD in `text`; None for anything else (another day of the
    week, an absurd year, not a date at all)."""
    if not text or len(text) != 10:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return day if is_sensible_week(day) else None
