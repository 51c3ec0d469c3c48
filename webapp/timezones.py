"""The user's local day. Times are stored in UTC; "today" is the day on the user's clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from webapp.clock import now_utc


@cache
def all_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def is_valid_timezone(name: str) -> bool:
    return name in all_timezones()


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(moment: datetime, tz_name: str) -> date:
    """The calendar day `moment` falls on for someone in `tz_name`."""
    return moment.astimezone(zone(tz_name)).date()


def local_today(tz_name: str, now: datetime | None = None) -> date:
    return local_day(now or now_utc(), tz_name)


def local_noon(day: date, tz_name: str) -> datetime:
    """Noon of `day` on the user's clock, in UTC: the time given to a back-dated check-in.
    Noon exists on every day, DST changes included."""
    return datetime.combine(day, time(12), tzinfo=zone(tz_name)).astimezone(UTC)


def local_time(moment: datetime, tz_name: str) -> datetime:
    return moment.astimezone(zone(tz_name))
