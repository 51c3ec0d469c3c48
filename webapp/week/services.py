"""Weekly goals, networking and learning logged toward them, and the weekly review: the rules,
free of requests and templates. Every function that changes something commits.

People ("reached out today") and Growth (a learning session on a skill) log through
`log_activity`; Today shows `week_progress`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Row, Select, bindparam, func, literal, select, true

from webapp.clock import now_utc
from webapp.database import SQLValue, insert_ignoring_conflicts
from webapp.extensions import db
from webapp.models import Activity, Contact, Skill, StageChange, User, WeeklyGoal, WeeklyReview
from webapp.models.progress import ACTIVITY_KINDS
from webapp.timezones import local_today
from webapp.week.weeks import is_sensible_week, parse_week, week_end_of, week_start_of

GOAL_KINDS = ("applications", "networking", "learning")
TARGET_MAX = 100
REST_DAYS_MAX = 7
NOTE_MAX = 200  # Activity.note is a String(200)
ANSWER_MAX = 2000
# The earliest day an activity may be logged on (as for check-ins).
EARLIEST_DAY = date(2000, 1, 1)
# The Week page lists this many of the week's activities, newest first: enough for a busy
# week, and the htmx answer to a tap stays under PERF-02's 20 KB even with long notes.
ACTIVITIES_SHOWN = 20
REVIEWS_PER_PAGE = 10


class WeekProblem(ValueError):
    """A goal, an activity or a review that breaks a rule; the message says which, in the
    user's words."""


# --- Targets ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """What the user aims for in a week, and the rest days they plan in it."""

    applications: int
    networking: int
    learning: int
    rest_days: int

    def check(self) -> None:
        """Raise WeekProblem when a number is out of range."""
        for kind in GOAL_KINDS:
            if not 0 <= getattr(self, kind) <= TARGET_MAX:
                raise WeekProblem(f"Each goal is a number from 0 to {TARGET_MAX}.")
        if not 0 <= self.rest_days <= REST_DAYS_MAX:
            raise WeekProblem(f"Rest days are a number from 0 to {REST_DAYS_MAX}.")

    @classmethod
    def of(cls, goal: WeeklyGoal) -> Targets:
        return cls(goal.applications_target, goal.networking_target, goal.learning_target,
                   goal.rest_days)

    def columns(self) -> dict[str, int]:
        """The WeeklyGoal columns these targets fill."""
        return {
            "applications_target": self.applications,
            "networking_target": self.networking,
            "learning_target": self.learning,
            "rest_days": self.rest_days,
        }


# A first week's suggestion: enough to get moving, with rest built in.
DEFAULT_TARGETS = Targets(applications=5, networking=2, learning=2, rest_days=2)


def _latest_goal_query(user_id: SQLValue[int], week_start: SQLValue[date]):
    """The goal set for `week_start`, or else the latest one set before it."""
    return (
        WeeklyGoal.owned_by(user_id)
        .where(WeeklyGoal.week_start <= week_start)
        .order_by(WeeklyGoal.week_start.desc())
        .limit(1)
    )


# Built once with bound parameters: the review form asks it on every visit, and building a
# statement costs more Python than running this one by its (user, week) index.
LATEST_GOAL = _latest_goal_query(bindparam("user_id"), bindparam("week_start"))


def targets_for(user: User, week_start: date) -> Targets:
    """The week's targets: the ones set for it, else the latest earlier week's (so last
    week's plan carries over), else DEFAULT_TARGETS."""
    goal = db.session.scalar(LATEST_GOAL, {"user_id": user.id, "week_start": week_start})
    return Targets.of(goal) if goal is not None else DEFAULT_TARGETS


def _check_week(week_start: date) -> None:
    if not is_sensible_week(week_start):
        raise WeekProblem("A week starts on a Monday between 2000 and 2100.")


def _upsert_goal(user: User, week_start: date, targets: Targets) -> WeeklyGoal:
    """Set the week's targets in the session, creating its goal if there is none. Two
    requests at once meet at the unique (user, week) index instead of failing."""
    targets.check()
    _check_week(week_start)
    query = WeeklyGoal.owned_by(user.id).where(WeeklyGoal.week_start == week_start)
    goal = db.session.scalar(query)
    if goal is None:
        insert_ignoring_conflicts(
            WeeklyGoal, ["user_id", "week_start"], user_id=user.id, week_start=week_start,
            created_at=now_utc(), **targets.columns(),
        )
        goal = db.session.scalar(query)
        assert goal is not None
    for column, value in targets.columns().items():
        setattr(goal, column, value)
    return goal


def set_targets(user: User, week_start: date, targets: Targets) -> WeeklyGoal:
    """Set (or change) the targets and rest days of the week starting `week_start`. Raises
    WeekProblem for a number out of range or a day that is not a sensible Monday. Commits."""
    goal = _upsert_goal(user, week_start, targets)
    db.session.commit()
    return goal


# --- Progress ---------------------------------------------------------------------------------

# How each goal is counted, in the user's words: (one, many).
GOAL_WORDS = {
    "applications": ("application", "applications"),
    "networking": ("networking event or conversation", "networking events or conversations"),
    "learning": ("learning session", "learning sessions"),
}


@dataclass(frozen=True)
class GoalProgress:
    kind: str  # GOAL_KINDS
    target: int
    count: int

    @property
    def planned(self) -> bool:
        """A target of 0 means "not this week", which is a plan too."""
        return self.target > 0

    @property
    def reached(self) -> bool:
        return self.planned and self.count >= self.target

    @property
    def words(self) -> str:
        """The goal's noun, singular or plural to go with the target ("3 of 5 applications")."""
        one, many = GOAL_WORDS[self.kind]
        return one if self.target == 1 else many

    @property
    def count_words(self) -> str:
        """The goal's noun to go with the count ("1 application")."""
        one, many = GOAL_WORDS[self.kind]
        return one if self.count == 1 else many

    @property
    def summary(self) -> str:
        """The bar's label: "3 of 5 applications"."""
        return f"{self.count} of {self.target} {self.words}"


@dataclass(frozen=True)
class WeekProgress:
    """One week's goals with their counts so far, and the rest days planned."""

    week_start: date
    today: date  # on the user's calendar: says whether the week is still going
    goals: tuple[GoalProgress, ...]
    rest_days: int
    # False when the targets were carried over from an earlier week (or are the defaults).
    set_for_this_week: bool

    @property
    def week_end(self) -> date:
        return week_end_of(self.week_start)

    @property
    def is_current(self) -> bool:
        return self.week_start <= self.today <= self.week_end

    @property
    def is_over(self) -> bool:
        return self.today > self.week_end

    def goal(self, kind: str) -> GoalProgress:
        return next(g for g in self.goals if g.kind == kind)

    @property
    def state(self) -> str:
        """Which kind words fit the week: "resting" (nothing planned), "all_reached",
        "lighter" (a week that ended below its targets: never a failure), or "under_way"."""
        planned = [g for g in self.goals if g.planned]
        if not planned:
            return "resting"
        if all(g.reached for g in planned):
            return "all_reached"
        return "lighter" if self.is_over else "under_way"


def _count_in_week(column, *conditions):
    return select(column).where(*conditions).scalar_subquery()


def week_progress(user: User, week_start: date) -> WeekProgress:
    """The week's targets and its three counts, in one SQL statement whatever the years of
    data (Today runs it on every visit, inside its own summary statement)."""
    row = db.session.execute(WEEK_PROGRESS, {
        "user_id": user.id, "week_start": week_start, "week_end": week_end_of(week_start),
    }).one()
    return week_progress_from_row(user, week_start, row)


def week_progress_query(user_id: SQLValue[int], week_start: SQLValue[date],
                        week_end: SQLValue[date]) -> Select:
    """The one statement behind `week_progress`: a single row of scalar subqueries, so a
    page that shows the week (Today) can add its own columns and ask everything at once,
    and build it once with bound parameters (`bindparam`) for the values.
    Applications count when one reached "applied" that week (each application once);
    networking and learning count what was logged."""
    applications = _count_in_week(
        func.count(func.distinct(StageChange.application_id)),
        StageChange.user_id == user_id,
        StageChange.stage == "applied",
        StageChange.changed_on.between(week_start, week_end),
    )
    logged = {
        kind: _count_in_week(
            func.count(Activity.id),
            Activity.user_id == user_id,
            Activity.kind == kind,
            Activity.done_on.between(week_start, week_end),
        )
        for kind in ACTIVITY_KINDS
    }
    # One row always, with the goal's columns NULL when no week has a goal yet.
    one_row = select(literal(1).label("one")).subquery()
    goal = _latest_goal_query(user_id, week_start).subquery()
    return select(
        applications.label("applications"),
        logged["networking"].label("networking"),
        logged["learning"].label("learning"),
        goal.c.week_start,
        goal.c.applications_target,
        goal.c.networking_target,
        goal.c.learning_target,
        goal.c.rest_days,
    ).select_from(one_row.outerjoin(goal, true()))


# Built once with bound parameters: Week and the review form run it on every visit, and
# building its four subqueries took more Python than running them.
WEEK_PROGRESS = week_progress_query(
    bindparam("user_id"), bindparam("week_start"), bindparam("week_end"))


def week_progress_from_row(user: User, week_start: date, row: Row) -> WeekProgress:
    """The progress `week_progress_query`'s row describes."""
    targets = (
        DEFAULT_TARGETS if row.week_start is None else Targets(
            row.applications_target, row.networking_target, row.learning_target, row.rest_days
        )
    )
    return WeekProgress(
        week_start=week_start,
        today=local_today(user.timezone),
        goals=tuple(
            GoalProgress(kind, getattr(targets, kind), getattr(row, kind) or 0)
            for kind in GOAL_KINDS
        ),
        rest_days=targets.rest_days,
        set_for_this_week=row.week_start == week_start,
    )


def current_week(user: User) -> date:
    """The Monday of the week the user is in now, on their own calendar."""
    return week_start_of(local_today(user.timezone))


def this_weeks_progress(user: User) -> WeekProgress:
    """Progress of the week the user is in now."""
    return week_progress(user, current_week(user))


# --- Logging networking and learning ----------------------------------------------------------


def _owns(user: User, model: type[Contact] | type[Skill], object_id: int) -> bool:
    return db.session.scalar(
        select(model.id).where(model.id == object_id, model.user_id == user.id)
    ) is not None


def clean_note(note: str | None) -> str | None:
    """A note with its spacing tidied; None when it is blank."""
    note = " ".join((note or "").split())
    return note or None


def log_activity(
    user: User, kind: str, *, day: date, note: str | None = None,
    contact_id: int | None = None, skill_id: int | None = None,
) -> Activity:
    """Log a networking event or conversation ("networking") or a learning session
    ("learning") on `day`, optionally with a short note and the contact or skill it was
    about. Raises WeekProblem for an unknown kind, a day in the future or before 2000, a
    note over 200 characters, or a contact or skill that isn't the user's. Commits."""
    if kind not in ACTIVITY_KINDS:
        raise WeekProblem("Choose networking or learning.")
    if day > local_today(user.timezone):
        raise WeekProblem("That day hasn't happened yet.")
    if day < EARLIEST_DAY:
        raise WeekProblem("That day is too long ago.")
    note = clean_note(note)
    if note is not None and len(note) > NOTE_MAX:
        raise WeekProblem(f"Keep the note to {NOTE_MAX} characters.")
    if contact_id is not None and not _owns(user, Contact, contact_id):
        raise WeekProblem("That person isn't in your support network.")
    if skill_id is not None and not _owns(user, Skill, skill_id):
        raise WeekProblem("That skill isn't one of yours.")
    activity = Activity(user_id=user.id, kind=kind, done_on=day, note=note,
                        contact_id=contact_id, skill_id=skill_id, created_at=now_utc())
    db.session.add(activity)
    db.session.commit()
    return activity


def delete_activity(activity: Activity) -> None:
    """Take an activity off the log for good (an undo). Commits."""
    db.session.delete(activity)
    db.session.commit()


@dataclass(frozen=True)
class LoggedActivity:
    """An activity as the Week page lists it: with the name of the person or skill."""

    activity: Activity
    contact_name: str | None
    skill_name: str | None


@dataclass(frozen=True)
class WeekLog:
    items: list[LoggedActivity]
    more: bool  # older ones this week are not shown


# The week's activities with their person's or skill's name (one more than shown, to know
# whether there are more). Built once with bound parameters: Week runs it on every visit and
# after every tap, and building the joins cost more Python than running them.
ACTIVITIES_IN_WEEK = (
    select(Activity, Contact.name, Skill.name)
    .outerjoin(Contact, Contact.id == Activity.contact_id)
    .outerjoin(Skill, Skill.id == Activity.skill_id)
    .where(
        Activity.user_id == bindparam("user_id"),
        Activity.done_on.between(bindparam("week_start"), bindparam("week_end")),
    )
    .order_by(Activity.done_on.desc(), Activity.id.desc())
    .limit(ACTIVITIES_SHOWN + 1)
)


def activities_in_week(user: User, week_start: date) -> WeekLog:
    """The week's logged activities, newest first (at most ACTIVITIES_SHOWN), each with its
    contact's or skill's name: one statement."""
    rows = db.session.execute(ACTIVITIES_IN_WEEK, {
        "user_id": user.id, "week_start": week_start, "week_end": week_end_of(week_start),
    }).all()
    items = [LoggedActivity(activity, contact, skill) for activity, contact, skill in rows]
    return WeekLog(items=items[:ACTIVITIES_SHOWN], more=len(items) > ACTIVITIES_SHOWN)


# --- The Week page ----------------------------------------------------------------------------


@dataclass(frozen=True)
class WeekView:
    progress: WeekProgress
    log: WeekLog
    reviewed: bool  # this week has a review already


def this_week(user: User) -> WeekView:
    """Everything the Week page shows about the week the user is in: three statements."""
    progress = this_weeks_progress(user)
    return WeekView(
        progress=progress,
        log=activities_in_week(user, progress.week_start),
        reviewed=review_for(user, progress.week_start) is not None,
    )


# --- The weekly review ------------------------------------------------------------------------

# The review's questions, in the order they are asked: kind ones first.
ANSWER_FIELDS = ("went_well", "tailoring", "practice", "alignment", "change_next")


@dataclass(frozen=True)
class ReviewAnswers:
    went_well: str | None = None
    tailoring: str | None = None
    practice: str | None = None
    alignment: str | None = None
    change_next: str | None = None

    def cleaned(self) -> ReviewAnswers:
        """Blank answers become None; the rest keep their line breaks, trimmed."""
        values = {name: (getattr(self, name) or "").strip() or None for name in ANSWER_FIELDS}
        return ReviewAnswers(**values)

    @property
    def empty(self) -> bool:
        return all(getattr(self, name) is None for name in ANSWER_FIELDS)


# Built once with bound parameters: Week asks it on every visit (by the unique (user, week)
# index), and building it cost more Python than running it.
REVIEW_FOR = select(WeeklyReview).where(
    WeeklyReview.user_id == bindparam("user_id"),
    WeeklyReview.week_start == bindparam("week_start"),
)


def review_for(user: User, week_start: date) -> WeeklyReview | None:
    """The user's review of the week starting `week_start`, if they wrote one."""
    return db.session.scalar(REVIEW_FOR, {"user_id": user.id, "week_start": week_start})


def reviewable_week(user: User, text: str | None) -> date | None:
    """The week a review form is for: `text` (YYYY-MM-DD, a Monday) or, without one, this
    week. None for anything that is not a Monday, an absurd year, or a week not begun yet."""
    if not text:
        return current_week(user)
    week = parse_week(text)
    return week if week is not None and week <= current_week(user) else None


def sets_next_week(user: User, week_start: date) -> bool:
    """Whether the review of this week ends by setting next week's targets: only while "next
    week" hasn't passed (the review of this week, or of last week written on a Monday)."""
    return week_start + timedelta(days=7) >= current_week(user)


@dataclass(frozen=True)
class ReviewDraft:
    """What the review form needs: the week, how it went, the review so far, and the targets
    next week starts from (None when the review is of a week long gone)."""

    week_start: date
    progress: WeekProgress
    review: WeeklyReview | None
    next_targets: Targets | None

    @property
    def next_week_start(self) -> date:
        return self.week_start + timedelta(days=7)

    @property
    def previous_week_start(self) -> date:
        return self.week_start - timedelta(days=7)


def review_draft(user: User, week_start: date) -> ReviewDraft:
    """The review form's starting point for the week starting `week_start`. Next week's
    targets start from the ones already set for it, else from this week's."""
    next_week = week_start + timedelta(days=7)
    return ReviewDraft(
        week_start=week_start,
        progress=week_progress(user, week_start),
        review=review_for(user, week_start),
        next_targets=targets_for(user, next_week) if sets_next_week(user, week_start) else None,
    )


def save_review(
    user: User, week_start: date, answers: ReviewAnswers, next_targets: Targets | None = None
) -> WeeklyReview:
    """Write (or rewrite) the user's review of the week starting `week_start` and, when
    given, next week's targets, in one commit. Every question is optional, but a review with
    no answers must at least set next week's targets. Raises WeekProblem for a week that is
    not a sensible Monday or hasn't begun, an answer over ANSWER_MAX characters, next week's
    targets out of range or for a week already past, or nothing at all to save. Commits."""
    _check_week(week_start)
    if week_start > current_week(user):
        raise WeekProblem("You can review a week once it has begun.")
    answers = answers.cleaned()
    if any(len(getattr(answers, name) or "") > ANSWER_MAX for name in ANSWER_FIELDS):
        raise WeekProblem(f"Keep each answer to {ANSWER_MAX} characters.")
    if next_targets is not None:
        if not sets_next_week(user, week_start):
            raise WeekProblem(
                "Next week's goals can be set from this week's or last week's review."
            )
        next_targets.check()  # before anything is written
    if answers.empty and next_targets is None:
        raise WeekProblem("Write a few words for at least one question.")
    query = WeeklyReview.owned_by(user.id).where(WeeklyReview.week_start == week_start)
    review = db.session.scalar(query)
    if review is None:
        insert_ignoring_conflicts(
            WeeklyReview, ["user_id", "week_start"], user_id=user.id, week_start=week_start,
            created_at=now_utc(), updated_at=now_utc(),
        )
        review = db.session.scalar(query)
        assert review is not None
    for name in ANSWER_FIELDS:
        setattr(review, name, getattr(answers, name))
    review.updated_at = now_utc()
    if next_targets is not None:
        _upsert_goal(user, week_start + timedelta(days=7), next_targets)
    db.session.commit()
    return review


@dataclass(frozen=True)
class ReviewPage:
    reviews: list[WeeklyReview]
    page: int
    has_next: bool


# Built once with bound parameters: the reviews' pages run it on every visit, and building
# it cost more Python than running it.
REVIEWS_PAGE = (
    select(WeeklyReview)
    .where(WeeklyReview.user_id == bindparam("user_id"))
    .order_by(WeeklyReview.week_start.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


def reviews_page(user: User, page: int = 1, per_page: int = REVIEWS_PER_PAGE) -> ReviewPage:
    """The user's reviews, newest week first, one page at a time (LIMIT/OFFSET in SQL)."""
    page = max(page, 1)
    reviews = list(db.session.scalars(REVIEWS_PAGE, {
        "user_id": user.id, "limit": per_page + 1, "offset": (page - 1) * per_page,
    }))
    return ReviewPage(reviews=reviews[:per_page], page=page, has_next=len(reviews) > per_page)
