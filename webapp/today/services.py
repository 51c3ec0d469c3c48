"""What Today shows, gathered in one place for the page and its fragments."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from webapp.checkins import services as checkins
from webapp.models import MoodCheckin, SelfCareHabit, User
from webapp.timezones import local_today

# Today lists this many of the day's check-ins; the rest are in the history. Keeps the page
# and every check-in answer small however often someone checks in (PERF-02).
TODAY_LIST_MAX = 5


@dataclass
class TodayView:
    today: date
    checkins: list[MoodCheckin]
    more_checkins: bool
    habits: list[SelfCareHabit]
    done_habit_ids: set[int]
    days_this_month: int

    @property
    def latest(self) -> MoodCheckin | None:
        return self.checkins[0] if self.checkins else None


def today_view(user: User) -> TodayView:
    today = local_today(user.timezone)
    latest = checkins.checkins_on(user, today, limit=TODAY_LIST_MAX + 1)
    return TodayView(
        today=today,
        checkins=latest[:TODAY_LIST_MAX],
        more_checkins=len(latest) > TODAY_LIST_MAX,
        habits=checkins.habits(user),
        done_habit_ids=checkins.habits_done_on(user, today),
        days_this_month=checkins.days_checked_in(user, today.replace(day=1), today),
    )
