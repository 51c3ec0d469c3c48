"""What Today shows, gathered in one place for the page and its fragments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from webapp.checkins import services as checkins
from webapp.models import MoodCheckin, SelfCareHabit, User
from webapp.timezones import local_today


@dataclass
class TodayView:
    today: date
    checkins: list[MoodCheckin]
    habits: list[SelfCareHabit]
    done_habit_ids: set[int]
    days_this_month: int

    @property
    def latest(self) -> MoodCheckin | None:
        return self.checkins[0] if self.checkins else None


def today_view(user: User) -> TodayView:
    today = local_today(user.timezone)
    return TodayView(
        today=today,
        checkins=checkins.checkins_on(user, today),
        habits=checkins.habits(user),
        done_habit_ids=checkins.habits_done_on(user, today),
        days_this_month=checkins.days_checked_in(user, today.replace(day=1), today),
    )
