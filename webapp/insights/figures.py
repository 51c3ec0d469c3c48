"""The Insights page's pictures: each of the services' results drawn with charts.py, with the
same sentence the page shows as the chart's description. Templates call these (registered by
the insights blueprint)."""

from __future__ import annotations

from datetime import date

from markupsafe import Markup

from webapp.checkins.feelings import MOODS
from webapp.insights import charts
from webapp.insights.services import (
    MoodTrend,
    PixelYear,
    Resilience,
    SelfCareMoods,
    WhatWorks,
)


def short_date(day: date) -> str:
    """"3 Mar": short enough for an axis."""
    return f"{day.day} {day:%b}"


def _x_labels(trend: MoodTrend) -> list[tuple[int, str]]:
    """A few dates along the axis, kept clear of both ends so none is cut off: every week
    or three for the shorter ranges, every other month for the year."""
    n = len(trend.days)
    if trend.range_days > 90:
        return [(i, f"{day:%b}") for i, day in enumerate(trend.days)
                if day.day == 1 and day.month % 2 and 8 <= i <= n - 12]
    step = 7 if trend.range_days <= 30 else 21
    ticks = [i for i in range(n - 1, -1, -step) if 2 <= i <= n - 4]
    return [(i, short_date(trend.days[i])) for i in reversed(ticks)]


def mood_chart(trend: MoodTrend) -> Markup:
    return charts.line_chart(
        "mood-chart", f"Your mood over the last {trend.range_days} days", trend.summary,
        charts.LineChart(dots=trend.averages, line=trend.smoothed, y_labels=MOODS,
                         x_labels=_x_labels(trend)),
    )


def pixel_chart(pixels: PixelYear) -> Markup:
    rows = [charts.PixelRow(f"{m.month:%b}", m.levels) for m in pixels.months]
    return charts.pixel_calendar("pixels-chart", "Your year in pixels", pixels.summary, rows)


def self_care_chart(self_care: SelfCareMoods) -> Markup:
    groups = [
        charts.BarGroup(habit.name, [
            charts.Bar(habit.with_average,
                       f"{habit.with_average:.1f} on {habit.with_days} days with it"),
            charts.Bar(habit.without_average,
                       f"{habit.without_average:.1f} on {habit.without_days} days without",
                       css="bar bar-alt"),
        ])
        for habit in self_care.shown
    ]
    return charts.bar_chart("self-care-chart", "Your mood with and without each habit",
                            self_care.summary, groups, maximum=5)


def _recovery_text(recovery) -> str:
    if not recovery.measurable:
        return "too few check-ins before it to tell"
    if recovery.days is None:
        return "not yet, and that's okay"
    if recovery.days == 0:
        return "the same day"
    return f"{recovery.days} day{'s' if recovery.days != 1 else ''}"


def resilience_chart(resilience: Resilience) -> Markup:
    longest = max([r.days for r in resilience.shown if r.days is not None] + [1])
    groups = [
        charts.BarGroup(f"{short_date(r.day)}: {r.company}", [
            charts.Bar(r.days, _recovery_text(r), css="bar bar-calm"),
        ])
        for r in resilience.shown
    ]
    return charts.bar_chart("resilience-chart", "Days until your mood was back to usual",
                            resilience.summary, groups, maximum=longest)


def what_works_chart(what: WhatWorks) -> Markup:
    groups = [
        charts.BarGroup(f"A {c.subject}", [
            charts.Bar(c.with_.rate * 100, f"with: {c.with_.rate:.0%} ({c.with_.counts})"),
            charts.Bar(c.without.rate * 100, f"without: {c.without.rate:.0%} ({c.without.counts})",
                       css="bar bar-alt"),
        ])
        for c in what.shown
    ]
    if what.excitement_shown:
        groups.append(charts.BarGroup("How excited you were", [
            charts.Bar(s.rate * 100, f"{s.label.split(' (')[0].lower()}: {s.rate:.0%} ({s.counts})")
            for s in what.excitement_shown
        ]))
    return charts.bar_chart("what-works-chart", "Applications that reached an interview",
                            what.summary, groups, maximum=100)
