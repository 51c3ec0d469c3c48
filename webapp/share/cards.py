"""The cards a share link can show: one small loader and one template each.

A card is registered with `@card(...)` on the function that loads what it shows; its
template is `templates/share/cards/<key>.html`, which gets that data as `data` and the
owner's name as `owner_name`. The owner ticks cards by key; the mentor's page shows exactly
the ticked ones, in the order registered here. A loader returns only the fields its card
shows, so nothing else about the user can reach the page (TRUST.md SEC-17, SHR-07).

Adding a card: a function here, a template, and a sentence in `shows` that tells the owner
plainly what a mentor will see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, cached_property

from markupsafe import Markup
from sqlalchemy import bindparam, case, func, select, union_all

from webapp.extensions import db
from webapp.journal.markup import whole_body
from webapp.models import Application, JournalEntry, MoodCheckin, ShareLink, Skill, User
from webapp.models.progress import SKILL_STATUSES
from webapp.timezones import local_today
from webapp.week import services as week
from webapp.week.weeks import week_start_of


@dataclass(frozen=True)
class Card:
    key: str
    title: str  # the card's heading on the mentor's page, and its checkbox's label
    shows: str  # what exactly a mentor sees, in the owner's words (under the checkbox)
    on_by_default: bool
    load: Callable[[Sharing], object]

    @property
    def template(self) -> str:
        return f"share/cards/{self.key}.html"


CARDS: dict[str, Card] = {}


def card(key: str, title: str, shows: str, *, on_by_default: bool = True):
    """Register the decorated loader as the card `key`."""

    def register(load: Callable[[Sharing], object]) -> Callable[[Sharing], object]:
        CARDS[key] = Card(key, title, shows, on_by_default, load)
        return load

    return register


def default_cards() -> list[str]:
    return [key for key, c in CARDS.items() if c.on_by_default]


class Sharing:
    """What the loaders of one page share: the owner, the link, the owner's today, and the
    few statements more than one card reads (each run once, on first use)."""

    def __init__(self, owner: User, link: ShareLink) -> None:
        self.owner = owner
        self.link = link
        self.today = local_today(owner.timezone)

    def shows(self, key: str) -> bool:
        return key in self.link.cards

    @cached_property
    def checkin_days(self) -> dict[date, tuple[int, int]]:
        """Days with a check-in since CHECKIN_DAYS_FROM: day -> (check-ins, sum of moods).
        Moods only; never a note or a feeling."""
        rows = db.session.execute(CHECKIN_DAYS, {
            "user_id": self.owner.id, "first": checkin_days_from(self.today),
            "last": self.today}).all()
        return {day: (count, total) for day, count, total in rows}

    @cached_property
    def journal_entries(self) -> list[JournalEntry]:
        """The newest small wins and the newest entries marked for the mentor, as far as
        their cards are shown: one statement for both cards."""
        statement = _journal_entries(self.shows("wins"), self.shows("journal"))
        if statement is None:
            return []
        return list(db.session.scalars(statement, {"user_id": self.owner.id}))


ENTRIES_SHOWN = 10
WEEKS_OF_MOOD = 8


# The page's statements are built once with bound parameters: building one costs more Python
# than running it, and a mentor's page runs several on every visit.
CHECKIN_DAYS = (
    select(MoodCheckin.local_date, func.count(MoodCheckin.id), func.sum(MoodCheckin.mood))
    .where(MoodCheckin.user_id == bindparam("user_id"),
           MoodCheckin.local_date >= bindparam("first"),
           MoodCheckin.local_date <= bindparam("last"))
    .group_by(MoodCheckin.local_date)
)


def _newest_entries(condition):
    # Wrapped in a subquery: SQLite allows no LIMIT on the parts of a UNION otherwise.
    newest = (
        select(JournalEntry.id)
        .where(JournalEntry.user_id == bindparam("user_id"), condition)
        .order_by(JournalEntry.entry_date.desc(), JournalEntry.id.desc())
        .limit(ENTRIES_SHOWN)
        .subquery()
    )
    return select(newest.c.id)


@cache
def _journal_entries(wins: bool, shared: bool):
    """The newest wins and/or entries marked for the mentor, as the link shows them (one
    statement for each of the three choices, built on first use); None for neither."""
    parts = ([_newest_entries(JournalEntry.kind == "small_win")] if wins else []) + \
        ([_newest_entries(JournalEntry.share_with_mentor.is_(True))] if shared else [])
    if not parts:
        return None
    ids = union_all(*parts) if len(parts) > 1 else parts[0]
    return (select(JournalEntry).where(JournalEntry.id.in_(ids))
            .order_by(JournalEntry.entry_date.desc(), JournalEntry.id.desc()))


def checkin_days_from(today: date) -> date:
    """The first day the check-in cards look at: the start of the mood trend's weeks, which
    also covers this month and the last 30 days."""
    first_week = week_start_of(today) - timedelta(weeks=WEEKS_OF_MOOD - 1)
    return min(first_week, today.replace(day=1), today - timedelta(days=29))


# --- The cards, in the order the page shows them ---------------------------------------------


@card("week", "This week's goals",
      "This week's goals and how far along each one is: applications, networking and "
      "learning, as counts, and the rest days planned.")
def week_goals(sharing: Sharing) -> week.WeekProgress:
    return week.this_weeks_progress(sharing.owner)


# Application.reached: the furthest pipeline stage, saved 0 ... offer 4.
FUNNEL = (
    (0, "Saved to apply to"),
    (1, "Applied"),
    (2, "Reached a screening"),
    (3, "Reached an interview"),
    (4, "Offers"),
)
STAGE_REACHED = {1: "applied", 2: "screening", 3: "interview", 4: "offer"}
COMPANIES_SHOWN = 20


@dataclass(frozen=True)
class Funnel:
    steps: list[tuple[str, int]]  # (label, how many applications got at least that far)
    # Only when the owner ticked "show company names": (company, furthest stage), newest
    # first. Roles, notes, contacts, salaries and feedback are never shown.
    companies: list[tuple[str, str]] | None


@card("applications", "Applications",
      "How many applications you saved, sent, and took to a screening, an interview or an "
      "offer: numbers only. Company names only if you tick \"show company names\" below.")
def applications(sharing: Sharing) -> Funnel:
    params = {"user_id": sharing.owner.id}
    if not sharing.link.show_company_names:
        counts = db.session.execute(FUNNEL_COUNTS, params).one()
        return Funnel(steps=_steps(counts), companies=None)
    rows = db.session.execute(FUNNEL_AND_COMPANIES, params).all()
    companies = [(row.company, STAGE_REACHED[row.reached]) for row in rows if row.reached >= 1]
    return Funnel(steps=_steps(rows[0][2:] if rows else None), companies=companies)


_AT_LEAST = [func.count(case((Application.reached >= rank, 1))) for rank, _ in FUNNEL]
FUNNEL_COUNTS = select(*_AT_LEAST).where(Application.user_id == bindparam("user_id"))
# With company names, one statement: the newest applications that got anywhere, each row
# carrying the counts over all the owner's applications (window aggregates, taken before the
# LIMIT). Saved-only ones sort last and are left out of the list.
FUNNEL_AND_COMPANIES = (
    select(Application.company, Application.reached, *(c.over() for c in _AT_LEAST))
    .where(Application.user_id == bindparam("user_id"))
    .order_by(case((Application.reached >= 1, 0), else_=1),
              Application.stage_changed_at.desc(), Application.id.desc())
    .limit(COMPANIES_SHOWN)
)


def _steps(counts) -> list[tuple[str, int]]:
    return [(label, (counts[i] or 0) if counts else 0) for i, (_, label) in enumerate(FUNNEL)]


@dataclass(frozen=True)
class Consistency:
    this_month: int  # days with a check-in this month
    days_so_far: int  # days of this month so far, today included
    last_30_days: int


@card("checkins", "Checking in",
      "On how many days you checked in this month and in the last 30 days. Not your moods, "
      "feelings or notes.")
def checkins(sharing: Sharing) -> Consistency:
    today = sharing.today
    days = sharing.checkin_days
    return Consistency(
        this_month=sum(1 for day in days if day >= today.replace(day=1)),
        days_so_far=today.day,
        last_30_days=sum(1 for day in days if day > today - timedelta(days=30)),
    )


@dataclass(frozen=True)
class WeekMood:
    week_start: date
    checkins: int
    average: float | None  # 1-5, one decimal; None for a week without check-ins


@card("mood", "Mood over the weeks",
      "Your average mood for each of the last 8 weeks (1 to 5), and how many check-ins "
      "each week had. Never a single day, a feeling or a note.", on_by_default=False)
def mood_trend(sharing: Sharing) -> list[WeekMood]:
    this_week = week_start_of(sharing.today)
    weeks = []
    for back in range(WEEKS_OF_MOOD - 1, -1, -1):
        start = this_week - timedelta(weeks=back)
        days = [v for d, v in sharing.checkin_days.items() if start <= d < start + timedelta(7)]
        count = sum(c for c, _ in days)
        total = sum(t for _, t in days)
        weeks.append(WeekMood(start, count, round(total / count, 1) if count else None))
    return weeks


@dataclass(frozen=True)
class Win:
    title: str | None  # an untitled win shows as "A small win"; its text is never shown
    day: date


@card("wins", "Small wins",
      "The titles and dates of your latest small wins from the journal (not what you wrote "
      "about them).")
def small_wins(sharing: Sharing) -> list[Win]:
    wins = [e for e in sharing.journal_entries if e.kind == "small_win"]
    return [Win(e.title, e.entry_date) for e in wins[:ENTRIES_SHOWN]]


@dataclass(frozen=True)
class SkillLine:
    name: str
    status: str  # SKILL_STATUSES
    progress: int  # 0-100


@card("skills", "Skills and courses",
      "Each skill or course with its status and progress. Not your notes about them.")
def skills(sharing: Sharing) -> list[SkillLine]:
    rows = db.session.execute(SKILLS, {"user_id": sharing.owner.id}).all()
    return [SkillLine(name, status, progress) for name, status, progress in rows]


SKILLS = (
    select(Skill.name, Skill.status, Skill.progress)
    .where(Skill.user_id == bindparam("user_id"))
    .order_by(case({status: n for n, status in enumerate(("active", "planned", "done"))},
                   value=Skill.status, else_=len(SKILL_STATUSES)),
              Skill.name, Skill.id)
    .limit(30)
)


@dataclass(frozen=True)
class SharedEntry:
    title: str | None
    kind: str
    day: date
    body: Markup  # the journal's own rendering: Markdown, sanitised (journal/markup.py)


@card("journal", "Journal entries you chose",
      "Only the journal entries you marked \"share with my mentor\", in full. Nothing else "
      "from your journal.")
def shared_entries(sharing: Sharing) -> list[SharedEntry]:
    shared = [e for e in sharing.journal_entries if e.share_with_mentor]
    return [SharedEntry(e.title, e.kind, e.entry_date, whole_body(e.body, e.card_html))
            for e in shared[:ENTRIES_SHOWN]]
