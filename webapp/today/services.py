"""What Today shows, gathered from the domains it brings together."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam

from webapp.applications import services as applications
from webapp.applications.services import SearchToday
from webapp.checkins import services as checkins
from webapp.checkins.services import TodaysCheckins
from webapp.extensions import db
from webapp.insights import services as insights
from webapp.journal import services as journal
from webapp.models import SelfCareHabit, User
from webapp.selfcare import services as selfcare
from webapp.share import services as share
from webapp.timezones import local_today
from webapp.week import services as week
from webapp.week.weeks import week_end_of, week_start_of


@dataclass
class TodayView:
    todays: TodaysCheckins
    habits: list[SelfCareHabit]
    done_habit_ids: set[int]
    week_progress: week.WeekProgress
    search: SearchToday
    mentor_notes: share.NewNotes
    care: insights.CareCard | None
    on_this_day: journal.OnThisDay | None = None


# The week's progress, the search's counts and this month's check-in days, each a scalar
# subquery: one row, one round trip. Built once with bound parameters: Today runs it on every
# visit, and building it took about 1.8 ms of Python against 0.35 ms to run it (SQLAlchemy
# also caches a built statement's compiled form only by the statement object).
SUMMARY = week.week_progress_query(
    bindparam("user_id"), bindparam("monday"), bindparam("sunday")
).add_columns(
    *applications.today_summary_columns(bindparam("user_id")),
    checkins.days_checked_in_column(bindparam("user_id"), bindparam("first_of_month"),
                                    bindparam("today")).label("days_this_month"),
)


def today_view(user: User) -> TodayView:
    """Everything on the user's Today, on their own calendar, in at most six statements
    beside the session's (PERF-03's 8 per page, with any years of data): the counts of
    three domains in one summary row, and one statement for each list."""
    today = local_today(user.timezone)
    monday = week_start_of(today)
    summary = db.session.execute(SUMMARY, {
        "user_id": user.id, "monday": monday, "sunday": week_end_of(monday),
        "first_of_month": today.replace(day=1), "today": today,
    }).one()
    habits, done = selfcare.habits_and_done_on(user, today)
    return TodayView(
        todays=checkins.todays_checkins(user, days_this_month=summary.days_this_month or 0),
        habits=habits,
        done_habit_ids=done,
        week_progress=week.week_progress_from_row(user, monday, summary),
        search=applications.today_summary_from_row(summary),
        on_this_day=journal.on_this_day(user, today),
        mentor_notes=share.new_notes(user),
        care=insights.care_card(user),
    )
