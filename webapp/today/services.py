"""What Today shows, gathered from the domains it brings together."""

from __future__ import annotations

from dataclasses import dataclass

from webapp.checkins.services import TodaysCheckins, todays_checkins
from webapp.insights import services as insights
from webapp.models import SelfCareHabit, User
from webapp.selfcare import services as selfcare
from webapp.week import services as week
from webapp.week.weeks import week_start_of


@dataclass
class TodayView:
    todays: TodaysCheckins
    habits: list[SelfCareHabit]
    done_habit_ids: set[int]
    week_progress: week.WeekProgress
    care: insights.CareCard | None


def today_view(user: User) -> TodayView:
    """Everything on the user's Today, on their own calendar."""
    todays = todays_checkins(user)
    return TodayView(
        todays=todays,
        habits=selfcare.habits(user),
        done_habit_ids=selfcare.habits_done_on(user, todays.today),
        week_progress=week.week_progress(user, week_start_of(todays.today)),
        care=insights.care_card(user),
    )
