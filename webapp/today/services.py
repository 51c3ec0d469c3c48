"""What Today shows, gathered from the domains it brings together."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.applications import services as applications
from webapp.applications.services import SearchToday
from webapp.checkins.services import TodaysCheckins, todays_checkins
from webapp.insights import services as insights
from webapp.journal import services as journal
from webapp.models import SelfCareHabit, User
from webapp.selfcare import services as selfcare
from webapp.share import services as share
from webapp.week import services as week
from webapp.week.weeks import week_start_of


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


def today_view(user: User) -> TodayView:
    """Everything on the user's Today, on their own calendar."""
    todays = todays_checkins(user)
    return TodayView(
        todays=todays,
        habits=selfcare.habits(user),
        done_habit_ids=selfcare.habits_done_on(user, todays.today),
        week_progress=week.week_progress(user, week_start_of(todays.today)),
        search=applications.today_summary(user),
        on_this_day=journal.on_this_day(user, todays.today),
        mentor_notes=share.new_notes(user),
        care=insights.care_card(user),
    )
