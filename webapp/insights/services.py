"""Insights: pictures of the user's own mood, self-care, resilience and job search, worked out
from their data, free of requests and templates. Nothing here writes.

Every number comes from aggregates the database computes (a GROUP BY per day, per habit, per
kind of application), so the page costs the same few queries with five years of data as with
one week; Python only walks the at most ~380 daily averages of the last year. Days are the
user's own calendar days (`local_date`, fixed when a check-in is made), so time zones and
daylight-saving changes never move a check-in to another day here.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from math import floor
from typing import NamedTuple

from flask import current_app
from sqlalchemy import (
    SmallInteger,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    null,
    select,
    union_all,
)

from webapp.checkins.feelings import MOODS
from webapp.extensions import db
from webapp.models import (
    Application,
    Contact,
    MoodCheckin,
    SelfCareHabit,
    SelfCareLog,
    StageChange,
    User,
)
from webapp.timezones import local_day, local_today

# The mood chart's ranges, in days; the first is the default.
RANGES = (30, 90, 365)
# Insights look back one year: the pixels, self-care and rejections all live in it.
YEAR = 365
# The 7-day moving average needs at least this many days with a check-in in its window:
# one or two days are not a trend.
AVERAGE_DAYS, AVERAGE_MIN_DAYS = 7, 3
# "Your usual mood" before a rejection: the median of the daily averages of the 14 days
# before it, when at least 3 of them have a check-in (fewer would make one day the usual).
USUAL_DAYS, USUAL_MIN_DAYS = 14, 3
# Data reaches this far back from today: a year, plus the days before the earliest
# rejection of that year.
LOOK_BACK = YEAR + USUAL_DAYS
# Bouncing back faster is claimed only across at least this many rejections.
TREND_MIN = 3
# The trend looks at the latest 30 rejections of the year; the chart and table show the
# latest 12 (a phone screen's worth).
REJECTIONS_COUNTED, REJECTIONS_SHOWN = 30, 12
# A self-care habit is compared with at least 3 days with it and 3 without.
HABIT_MIN_DAYS = 3
# An application "reached an interview" at this pipeline rank (saved 0 ... offer 4).
INTERVIEW_RANK = 3
# Each group of applications compared needs at least this many, or the share means little.
GROUP_MIN = 5
EXCITEMENT_GROUPS = (
    ("low", "Less excited (1 or 2 of 5)", (1, 2)),
    ("middle", "In between (3 of 5)", (3,)),
    ("high", "Excited (4 or 5 of 5)", (4, 5)),
)
# The low-mood care card on Today: the last 5 check-ins, all within the last 14 days, whose
# average is at most 1.8. On the 1-5 scale that is below "bad" (2): five check-ins adding up
# to 9 or less, such as four "bad" and one "awful", or four "awful" and one better moment.
# A week of plain "bad" (2.0) does not show it; that is hard, but not the bottom of the
# scale. Five check-ins make a stretch, not one hard moment, and they have to be recent: an
# old low stretch before a break from the app says nothing about today.
CARE_CHECKINS = 5
CARE_AVERAGE = 1.8
CARE_RECENT_DAYS = 14
CARE_CONTACTS = 3
PEOPLE_ENDPOINT = "people.index"


def mood_word(average: float) -> str:
    """The mood word nearest an average ("good" for 3.6)."""
    return MOODS[mood_level(average)]


def mood_level(average: float) -> int:
    """The nearest whole mood, halves rounded up (3.5 is 4), as people read a scale."""
    return min(5, max(1, floor(average + 0.5)))


def parse_range(value: str | None) -> int | None:
    """The mood chart's range in days from the URL: the default when none is given, None for
    a range not offered."""
    if value is None:
        return RANGES[0]
    return int(value) if value in {str(r) for r in RANGES} else None


# --- Daily moods: one GROUP BY --------------------------------------------------------------------


class DayMood(NamedTuple):
    """A day's check-ins. A tuple, not a frozen dataclass: the page makes one for each day
    of the year, and a frozen dataclass costs several times as much to build."""

    day: date
    average: float  # the mean of the day's check-ins, so every day weighs the same
    checkins: int


# The page's statements are built once with bound parameters (user_id, first, last): building
# one costs more Python than running it.
DAILY_MOODS = (
    select(MoodCheckin.local_date, func.avg(MoodCheckin.mood), func.count())
    .where(MoodCheckin.user_id == bindparam("user_id"),
           MoodCheckin.local_date >= bindparam("first"),
           MoodCheckin.local_date <= bindparam("last"))
    .group_by(MoodCheckin.local_date)
)


def daily_moods(user: User, first: date, last: date) -> dict[date, DayMood]:
    """The average mood of each day from `first` to `last` with a check-in. One query."""
    return {
        day: DayMood(day, float(average), count)
        for day, average, count in db.session.execute(
            DAILY_MOODS, {"user_id": user.id, "first": first, "last": last})
    }


# --- Mood over time -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MoodTrend:
    """The mood chart: each day of the range with its average (or None), and the 7-day
    moving average (or None where there is too little to average)."""

    range_days: int
    first: date
    last: date
    days: list[date]
    averages: list[float | None]
    smoothed: list[float | None]

    @property
    def days_with_checkins(self) -> int:
        return sum(1 for a in self.averages if a is not None)

    @property
    def overall(self) -> float | None:
        """The mean of the days' averages over the range."""
        known = [a for a in self.averages if a is not None]
        return sum(known) / len(known) if known else None

    @property
    def smoothed_ends(self) -> tuple[float, float] | None:
        """The first and last value of the moving average in the range."""
        known = [s for s in self.smoothed if s is not None]
        return (known[0], known[-1]) if len(known) >= 2 else None

    @property
    def summary(self) -> str:
        """What the chart shows, in a sentence or three (its text alternative)."""
        if self.overall is None:
            return f"No check-ins in the last {self.range_days} days yet."
        days = self.days_with_checkins
        text = (f"{days} day{'s' if days != 1 else ''} with a check-in in the last "
                f"{self.range_days} days, with an average mood of {self.overall:.1f} "
                f"({mood_word(self.overall)}).")
        ends = self.smoothed_ends
        if ends is not None:
            start, end = ends
            if abs(end - start) < 0.25:
                text += f" The 7-day average stayed about the same, near {end:.1f}."
            else:
                way = "rose" if end > start else "eased"
                text += f" The 7-day average {way} from {start:.1f} to {end:.1f}."
        return text

    @property
    def table_rows(self) -> list[tuple[str, date, float | None, int]]:
        """The table view: each day with a check-in (ranges up to 90 days), or each week
        (the year, where 365 rows would swamp the page): (kind, first day, average, days)."""
        if self.range_days <= 90:
            return [("day", d, a, 1) for d, a in zip(self.days, self.averages, strict=True)
                    if a is not None]
        rows = []
        for start in range(0, len(self.days), 7):
            known = [a for a in self.averages[start:start + 7] if a is not None]
            if known:
                rows.append(("week", self.days[start], sum(known) / len(known), len(known)))
        return rows


def moving_average(by_day: dict[date, DayMood], day: date) -> float | None:
    """The mean of the daily averages over the 7 days ending `day`, when at least 3 of them
    have a check-in."""
    window = [by_day[d].average for d in _days(day - timedelta(days=AVERAGE_DAYS - 1), day)
              if d in by_day]
    return sum(window) / len(window) if len(window) >= AVERAGE_MIN_DAYS else None


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def moving_averages(by_day: dict[date, DayMood], days: list[date]) -> list[float | None]:
    """`moving_average` for each of `days` (consecutive), in one pass: the window slides a
    day at a time instead of being summed again for each day of a year."""
    if not days:
        return []
    total, count, result = 0.0, 0, []
    window_start = days[0] - timedelta(days=AVERAGE_DAYS - 1)
    for d in _days(window_start, days[0] - timedelta(days=1)):
        if d in by_day:
            total, count = total + by_day[d].average, count + 1
    for day in days:
        if day in by_day:
            total, count = total + by_day[day].average, count + 1
        result.append(total / count if count >= AVERAGE_MIN_DAYS else None)
        leaving = day - timedelta(days=AVERAGE_DAYS - 1)
        if leaving in by_day:
            total, count = total - by_day[leaving].average, count - 1
    return result


def mood_trend(by_day: dict[date, DayMood], today: date, range_days: int) -> MoodTrend:
    """The mood chart for the `range_days` days ending today, from the daily averages (which
    must reach 6 days further back, for the moving average)."""
    first = today - timedelta(days=range_days - 1)
    days = _days(first, today)
    return MoodTrend(
        range_days=range_days, first=first, last=today, days=days,
        averages=[by_day[d].average if d in by_day else None for d in days],
        smoothed=moving_averages(by_day, days),
    )


def mood_over_time(user: User, range_days: int) -> MoodTrend:
    """The mood chart alone (the range switch asks for it). One query."""
    today = local_today(user.timezone)
    first = today - timedelta(days=range_days - 1 + AVERAGE_DAYS - 1)
    return mood_trend(daily_moods(user, first, today), today, range_days)


# --- A year in pixels -----------------------------------------------------------------------------


@dataclass(frozen=True)
class PixelMonth:
    month: date  # its first day
    levels: list[int | None]  # per day of the month: 0 no check-in, 1-5, None after today
    days_checked_in: int
    average: float | None  # the mean of its days' averages


@dataclass(frozen=True)
class PixelYear:
    months: list[PixelMonth]

    @property
    def days_checked_in(self) -> int:
        return sum(m.days_checked_in for m in self.months)

    @property
    def most_common(self) -> int | None:
        """The mood level seen on most days (the higher one on a tie)."""
        counts = [0] * 6
        for month in self.months:
            for level in month.levels:
                if level:
                    counts[level] += 1
        best = max(range(1, 6), key=lambda level: (counts[level], level))
        return best if counts[best] else None

    @property
    def summary(self) -> str:
        if not self.days_checked_in:
            return ("One square for each day of the last twelve months, coloured by that "
                    "day's mood. No check-ins yet, so every square is empty.")
        common = self.most_common
        assert common is not None
        return (f"One square for each day of the last twelve months, coloured by that day's "
                f"average mood. You checked in on {self.days_checked_in} days; the mood you "
                f"felt most often was {MOODS[common]}.")


def _month_starts(today: date) -> list[date]:
    """The first days of the twelve months ending with this one, oldest first."""
    starts, month = [], today.replace(day=1)
    for _ in range(12):
        starts.append(month)
        month = (month - timedelta(days=1)).replace(day=1)
    return starts[::-1]


def _month_length(month: date) -> int:
    return ((month + timedelta(days=32)).replace(day=1) - month).days


def year_in_pixels(by_day: dict[date, DayMood], today: date) -> PixelYear:
    """The last twelve months, a square a day, from the daily averages."""
    months = []
    for start in _month_starts(today):
        levels: list[int | None] = []
        known = []
        for day in _days(start, start + timedelta(days=_month_length(start) - 1)):
            if day > today:
                levels.append(None)
            elif day in by_day:
                levels.append(mood_level(by_day[day].average))
                known.append(by_day[day].average)
            else:
                levels.append(0)
        months.append(PixelMonth(start, levels, len(known),
                                 sum(known) / len(known) if known else None))
    return PixelYear(months)


# --- Self-care and mood: one GROUP BY per habit ---------------------------------------------------


@dataclass(frozen=True)
class HabitMood:
    """Average mood on days with a check-in, with the habit done and without it."""

    name: str
    archived: bool
    with_days: int
    with_average: float | None
    without_days: int
    without_average: float | None

    @property
    def enough(self) -> bool:
        return self.with_days >= HABIT_MIN_DAYS and self.without_days >= HABIT_MIN_DAYS

    @property
    def words(self) -> str:
        assert self.with_average is not None and self.without_average is not None
        return (f"On the {self.with_days} days with “{self.name}” your mood averaged "
                f"{self.with_average:.1f} ({mood_word(self.with_average)}); on the "
                f"{self.without_days} days without it, {self.without_average:.1f} "
                f"({mood_word(self.without_average)}).")


@dataclass(frozen=True)
class SelfCareMoods:
    habits: list[HabitMood]

    @property
    def shown(self) -> list[HabitMood]:
        return [h for h in self.habits if h.enough]

    @property
    def summary(self) -> str:
        if not self.shown:
            return "Not enough days yet to compare."
        return " ".join(h.words for h in self.shown)


def _habits_with_tick_moods():
    # Each tick with its day's average mood (NULL on a day without a check-in): a join on
    # the check-ins' (user, day) index, one probe per tick. Joining the ticks to a GROUP BY
    # of the year's check-ins instead let PostgreSQL, without statistics on a fresh table,
    # run that GROUP BY again for every tick (0.45 s for a year of data).
    tick_mood = (
        select(SelfCareLog.habit_id, SelfCareLog.local_date,
               func.avg(MoodCheckin.mood).label("mood"))
        .outerjoin(MoodCheckin, and_(MoodCheckin.user_id == SelfCareLog.user_id,
                                     MoodCheckin.local_date == SelfCareLog.local_date))
        .where(SelfCareLog.user_id == bindparam("user_id"),
               SelfCareLog.local_date >= bindparam("first"),
               SelfCareLog.local_date <= bindparam("last"))
        .group_by(SelfCareLog.habit_id, SelfCareLog.local_date)
        .subquery()
    )
    done = (
        select(tick_mood.c.habit_id, func.min(tick_mood.c.local_date).label("first_day"),
               func.count(tick_mood.c.mood).label("days"),
               func.sum(tick_mood.c.mood).label("mood_sum"))
        .group_by(tick_mood.c.habit_id)
        .subquery()
    )
    return (
        select(SelfCareHabit, done.c.first_day, done.c.days, done.c.mood_sum)
        .outerjoin(done, done.c.habit_id == SelfCareHabit.id)
        .where(SelfCareHabit.user_id == bindparam("user_id"))
        .order_by(SelfCareHabit.archived_at.is_not(None), SelfCareHabit.position,
                  SelfCareHabit.id)
    )


HABITS_WITH_TICK_MOODS = _habits_with_tick_moods()


def self_care_vs_mood(user: User, by_day: dict[date, DayMood], today: date) -> SelfCareMoods:
    """For each habit, the mood on days it was done and on days it wasn't, over the last
    year, counting only days with a check-in and only since the habit existed (its first
    tick or its creation, whichever is earlier) until it was archived. One query."""
    first = today - timedelta(days=YEAR - 1)
    rows = db.session.execute(
        HABITS_WITH_TICK_MOODS, {"user_id": user.id, "first": first, "last": today}).all()
    return SelfCareMoods([
        _habit_mood(user, habit, first_day, days or 0, float(mood_sum or 0), by_day, first,
                    today)
        for habit, first_day, days, mood_sum in rows
    ])


def _habit_mood(user: User, habit: SelfCareHabit, first_tick: date | None, with_days: int,
                with_sum: float, by_day: dict[date, DayMood], first: date,
                today: date) -> HabitMood:
    created = local_day(habit.created_at, user.timezone)
    since = max(first, min(created, first_tick) if first_tick else created)
    until = local_day(habit.archived_at, user.timezone) if habit.archived_at else today
    eligible = [m.average for d, m in by_day.items() if since <= d <= min(until, today)]
    without_days = max(len(eligible) - with_days, 0)
    without_sum = sum(eligible) - with_sum
    return HabitMood(
        name=habit.name, archived=habit.archived,
        with_days=with_days, with_average=with_sum / with_days if with_days else None,
        without_days=without_days,
        without_average=without_sum / without_days if without_days else None,
    )


# --- Resilience: how long a "no" weighs -----------------------------------------------------------


@dataclass(frozen=True)
class Recovery:
    """One rejection: the user's usual mood before it, and the days until the mood was back
    there (0: the same day; None: not yet)."""

    day: date
    company: str
    role: str
    usual: float | None  # None: too few check-ins before it to know
    days: int | None
    days_since: int

    @property
    def measurable(self) -> bool:
        return self.usual is not None


@dataclass(frozen=True)
class Resilience:
    recoveries: list[Recovery]

    @property
    def measurable(self) -> list[Recovery]:
        return [r for r in self.recoveries if r.measurable]

    @property
    def shown(self) -> list[Recovery]:
        """The latest few, for the chart and the table."""
        return self.recoveries[-REJECTIONS_SHOWN:]

    def _halves(self) -> tuple[list[Recovery], list[Recovery]]:
        rows = self.measurable
        return rows[: len(rows) // 2], rows[len(rows) // 2:]

    @property
    def faster(self) -> tuple[float, float] | None:
        """(earlier, recent) average days to bounce back, when the recent half of the
        rejections took at least a day less than the earlier half; else None.

        Said only when true: every recent one must have recovered (a "not yet" could still
        take longer), and an earlier "not yet" counts as the days it has lasted so far,
        which can only make the earlier half look quicker than it was."""
        rows = self.measurable
        if len(rows) < TREND_MIN:
            return None
        earlier, recent = self._halves()
        if any(r.days is None for r in recent):
            return None
        before = sum(r.days if r.days is not None else r.days_since for r in earlier) / len(earlier)
        lately = sum(r.days for r in recent if r.days is not None) / len(recent)
        return (before, lately) if lately <= before - 1 else None

    @property
    def trend_words(self) -> str:
        faster = self.faster
        if faster is not None:
            before, lately = faster
            lately_words = ("within the same day" if round(lately) == 0
                            else f"in about {_days_words(lately)}")
            return (f"You bounce back faster: lately {lately_words}, where it used to take "
                    f"about {_days_words(before)}.")
        if len(self.measurable) < TREND_MIN:
            return ("With three or more to compare, this will show how your bounce-back "
                    "changes over time.")
        return ("Some take longer than others, and that's human. Every one you've come "
                "through is still a step forward.")

    @property
    def summary(self) -> str:
        if not self.measurable:
            return "No rejections with enough check-ins around them to show yet."
        parts = [f"{r.day.day} {r.day:%B %Y}: {_recovery_words(r)}" for r in self.shown
                 if r.measurable]
        return f"{'; '.join(parts)}. {self.trend_words}" if parts else self.trend_words


def _days_words(days: float) -> str:
    rounded = round(days)
    return "the same day" if rounded == 0 else f"{rounded} day{'s' if rounded != 1 else ''}"


def _recovery_words(recovery: Recovery) -> str:
    if recovery.days is None:
        return "not back to your usual mood yet"
    if recovery.days == 0:
        return "your mood stayed at its usual level"
    return f"back to your usual mood after {_days_words(recovery.days)}"


def recovery_after(day: date, by_day: dict[date, DayMood], today: date) -> tuple[
        float | None, int | None]:
    """(usual mood before `day`, days until the mood was back to it) for a rejection on
    `day`: the median of the 14 days before, and the first day from `day` on whose average
    reaches it. (None, None) without 3 days of check-ins before; (usual, None) when not yet."""
    before = [by_day[d].average for d in _days(day - timedelta(days=USUAL_DAYS),
                                               day - timedelta(days=1)) if d in by_day]
    if len(before) < USUAL_MIN_DAYS:
        return None, None
    usual = statistics.median(before)
    # Day by day, stopping at the first good enough one: most are back within a week, so
    # this never walks the whole year after an early "no".
    for offset in range((today - day).days + 1):
        mood = by_day.get(day + timedelta(days=offset))
        if mood is not None and mood.average >= usual:
            return usual, offset
    return usual, None


REJECTIONS = (
    select(StageChange.changed_on, Application.company, Application.role)
    .join(Application, Application.id == StageChange.application_id)
    .where(StageChange.user_id == bindparam("user_id"), StageChange.stage == "rejected",
           StageChange.changed_on >= bindparam("first"),
           StageChange.changed_on <= bindparam("last"))
    .order_by(StageChange.changed_on.desc(), StageChange.id.desc())
    .limit(REJECTIONS_COUNTED)
)


def resilience(user: User, by_day: dict[date, DayMood], today: date) -> Resilience:
    """Each rejection of the last year (the latest 30), with the usual mood before it and
    the days until the mood was back there. One query."""
    first = today - timedelta(days=YEAR - 1)
    rows = db.session.execute(
        REJECTIONS, {"user_id": user.id, "first": first, "last": today}).all()
    recoveries = []
    for day, company, role in reversed(rows):
        usual, days = recovery_after(day, by_day, today)
        recoveries.append(Recovery(day=day, company=company, role=role, usual=usual,
                                   days=days, days_since=(today - day).days))
    return Resilience(recoveries)


# --- What works for you: one GROUP BY over applications -------------------------------------------


@dataclass(frozen=True)
class Share:
    """How many of a group of applications reached an interview."""

    label: str
    applications: int
    interviews: int

    @property
    def enough(self) -> bool:
        return self.applications >= GROUP_MIN

    @property
    def rate(self) -> float:
        return self.interviews / self.applications if self.applications else 0.0

    @property
    def counts(self) -> str:
        return f"{self.interviews} of {self.applications}"


def how_often(ratio: float) -> str:
    """A ratio of two rates in plain words, ready to be followed by what is compared with:
    "3 times as often as", "twice as often as", "less often than"."""
    ratio = round(ratio, 6)  # 0.3 / 0.2 is 1.4999999999999998 in floating point
    if ratio >= 1.5:
        halves = round(ratio * 2) / 2
        return "twice as often as" if halves == 2 else f"{halves:g} times as often as"
    if ratio >= 1.1:
        return "a little more often than"
    if ratio > 0.9:
        return "about as often as"
    return "less often than"


@dataclass(frozen=True)
class Comparison:
    """Applications with and without something, side by side."""

    subject: str  # "tailored résumé"
    with_: Share
    without: Share

    @property
    def enough(self) -> bool:
        return self.with_.enough and self.without.enough

    @property
    def words(self) -> str:
        w, wo = self.with_, self.without
        if not w.interviews and not wo.interviews:
            return (f"No application has reached an interview yet, with a {self.subject} "
                    f"({w.applications}) or without one ({wo.applications}).")
        if not wo.interviews:
            return (f"{w.interviews} of the {w.applications} applications with a "
                    f"{self.subject} reached an interview; none of the {wo.applications} "
                    f"without one has yet.")
        return (f"Applications with a {self.subject} reached an interview "
                f"{how_often(w.rate / wo.rate)} those without ({w.counts}, against "
                f"{wo.counts}).")


@dataclass(frozen=True)
class WhatWorks:
    applications: int
    comparisons: list[Comparison]
    excitement: list[Share]

    @property
    def shown(self) -> list[Comparison]:
        return [c for c in self.comparisons if c.enough]

    @property
    def excitement_shown(self) -> list[Share]:
        groups = [s for s in self.excitement if s.enough]
        return groups if len(groups) >= 2 else []

    @property
    def excitement_words(self) -> str:
        groups = self.excitement_shown
        if not groups:
            return ""
        by_key = dict(zip([key for key, _, _ in EXCITEMENT_GROUPS], self.excitement,
                          strict=True))
        high, low = by_key["high"], by_key["low"]
        if high.enough and low.enough and low.rate > 0:
            return (f"Applications you were excited about reached an interview "
                    f"{how_often(high.rate / low.rate)} those you were less excited about "
                    f"({high.counts}, against {low.counts}).")
        return " ".join(f"{s.label}: {s.counts} reached an interview." for s in groups)

    @property
    def summary(self) -> str:
        parts = [c.words for c in self.shown]
        if self.excitement_words:
            parts.append(self.excitement_words)
        return " ".join(parts) or "Not enough applications in each group to compare yet."


SENT_BY_KIND = (
    select(Application.resume_tailored, Application.cover_letter_tailored,
           Application.excitement, func.count(),
           func.sum(case((Application.reached >= INTERVIEW_RANK, 1), else_=0)))
    .where(Application.user_id == bindparam("user_id"), Application.reached >= 1)
    .group_by(Application.resume_tailored, Application.cover_letter_tailored,
              Application.excitement)
)


def what_works(user: User) -> WhatWorks:
    """The share of sent applications (reached "applied" or further) that reached an
    interview, with and without a tailored résumé and cover letter, and by excitement.
    An application whose tailoring is unknown is left out of that comparison. One query."""
    rows = db.session.execute(SENT_BY_KIND, {"user_id": user.id}).all()

    def share(label: str, test) -> Share:
        picked = [(n, i) for r, c, e, n, i in rows if test(r, c, e)]
        return Share(label, sum(n for n, _ in picked), int(sum(i or 0 for _, i in picked)))

    comparisons = [
        Comparison("tailored résumé",
                   share("With a tailored résumé", lambda r, c, e: r is True),
                   share("Without", lambda r, c, e: r is False)),
        Comparison("tailored cover letter",
                   share("With a tailored cover letter", lambda r, c, e: c is True),
                   share("Without", lambda r, c, e: c is False)),
    ]
    excitement = [share(label, lambda r, c, e, levels=levels: e in levels)
                  for _, label, levels in EXCITEMENT_GROUPS]
    return WhatWorks(applications=sum(n for *_, n, _ in rows), comparisons=comparisons,
                     excitement=excitement)


# --- Consistency without guilt --------------------------------------------------------------------


@dataclass(frozen=True)
class Consistency:
    days_this_month: int
    month: date


def consistency(by_day: dict[date, DayMood], today: date) -> Consistency:
    """Days checked in this month so far: a count that only grows, never a streak."""
    month = today.replace(day=1)
    return Consistency(sum(1 for d in by_day if month <= d <= today), month)


# --- The page -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InsightsPage:
    today: date
    trend: MoodTrend
    pixels: PixelYear
    self_care: SelfCareMoods
    resilience: Resilience
    what_works: WhatWorks
    consistency: Consistency
    ranges: tuple[int, ...] = field(default=RANGES)


def insights_page(user: User, range_days: int) -> InsightsPage:
    """Everything the Insights page shows. Four queries, however much data: the daily
    averages of the last year (and the 14 days before it), self-care per habit,
    rejections, and applications by kind."""
    today = local_today(user.timezone)
    by_day = daily_moods(user, today - timedelta(days=LOOK_BACK), today)
    return InsightsPage(
        today=today,
        trend=mood_trend(by_day, today, range_days),
        pixels=year_in_pixels(by_day, today),
        self_care=self_care_vs_mood(user, by_day, today),
        resilience=resilience(user, by_day, today),
        what_works=what_works(user),
        consistency=consistency(by_day, today),
    )


# --- The low-mood care card on Today --------------------------------------------------------------


@dataclass(frozen=True)
class HelpResource:
    text: str
    url: str | None = None


@dataclass(frozen=True)
class CareCard:
    """Shown on Today after a run of hard check-ins: people to reach out to, and places to
    find help."""

    average: float
    contacts: list[str]
    resources: list[HelpResource]
    # The People page's endpoint, once that blueprint exists (as templating.nav_items
    # checks), so the card never links to a page that is not there.
    people_endpoint: str | None = None


def _latest_moods_and_people_statement():
    """The care card's one statement (UNION ALL) of the latest check-ins and People."""
    moods = (
        select(MoodCheckin.mood.label("mood"), MoodCheckin.local_date.label("day"),
               cast(null(), String).label("name"), MoodCheckin.id.label("id"))
        .where(MoodCheckin.user_id == bindparam("user_id"))
        .order_by(MoodCheckin.local_date.desc(), MoodCheckin.checked_in_at.desc(),
                  MoodCheckin.id.desc())
        .limit(CARE_CHECKINS)
        .subquery()
    )
    people = (
        select(cast(null(), SmallInteger).label("mood"), Contact.last_contacted_on.label("day"),
               Contact.name.label("name"), Contact.id.label("id"))
        .where(Contact.user_id == bindparam("user_id"))
        .order_by(Contact.last_contacted_on.desc().nulls_last(), Contact.id)
        .limit(CARE_CONTACTS)
        .subquery()
    )
    return union_all(select(moods), select(people))


# Built once with a bound parameter: Today asks it on every visit, and building it cost more
# Python than running it.
LATEST_MOODS_AND_PEOPLE = _latest_moods_and_people_statement()


def _latest_moods_and_people(user: User) -> tuple[list[tuple[int, date]], list[str]]:
    """The user's latest CARE_CHECKINS check-ins' (mood, day), and up to CARE_CONTACTS names
    from their People, most recently in touch first: one statement (UNION ALL), so the card
    costs Today a single query on every day."""
    rows = db.session.execute(LATEST_MOODS_AND_PEOPLE, {"user_id": user.id}).all()
    # A UNION promises no order, so the people are put back in theirs here.
    contacts = sorted((row for row in rows if row.name is not None),
                      key=lambda row: (row.day is None, -(row.day or date.min).toordinal(),
                                       row.id))
    return ([(row.mood, row.day) for row in rows if row.name is None],
            [row.name for row in contacts])


def needs_care(moods: Sequence[tuple[int, date]], today: date) -> float | None:
    """The average of the last CARE_CHECKINS check-ins when it is at the bottom of the scale
    and they are all recent; None otherwise."""
    if len(moods) < CARE_CHECKINS:
        return None
    if any(day < today - timedelta(days=CARE_RECENT_DAYS - 1) for _, day in moods):
        return None
    average = sum(mood for mood, _ in moods) / len(moods)
    return average if average <= CARE_AVERAGE else None


def care_card(user: User) -> CareCard | None:
    """The care card for Today, or None on most days. One query."""
    moods, contacts = _latest_moods_and_people(user)
    average = needs_care(moods, local_today(user.timezone))
    if average is None:
        return None
    people = PEOPLE_ENDPOINT if PEOPLE_ENDPOINT in current_app.view_functions else None
    return CareCard(average=average, contacts=contacts, resources=help_resources(),
                    people_endpoint=people)


def help_resources() -> list[HelpResource]:
    """The places to find help, from the ONWARD_HELP_RESOURCES setting."""
    return [HelpResource(text, url) for text, url in current_app.config["ONWARD_HELP_RESOURCES"]]
