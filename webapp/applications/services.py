"""Applications: adding and editing them, moving them through their stages, the list and its
search, the funnel, the "no reply?" flag, steps to yes, and what Today shows. No requests or
templates here; every function that changes something commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from urllib.parse import urlsplit

from sqlalchemy import Row, Select, bindparam, case, delete, func, select
from sqlalchemy.orm import joinedload

from webapp.applications.words import REFLECTION, STAGE_LABELS
from webapp.clock import now_utc
from webapp.database import SQLValue
from webapp.extensions import db
from webapp.models import Application, JournalEntry, StageChange, User
from webapp.models.search import PIPELINE, STAGES, pipeline_rank
from webapp.refusals import Refused
from webapp.timezones import local_day, local_noon, local_today

# Column sizes in models/search.py; forms use the same numbers.
COMPANY_MAX = 120
ROLE_MAX = 120
LINK_MAX = 500
SALARY_MAX = 60
LOCATION_MAX = 120
CONTACT_NAME_MAX = 120
EMAIL_MAX = 254
NOTES_MAX = 5000  # a Text column: bounded here so one note can't fill a page
QUERY_MAX = 100
EARLIEST_DAY = date(2000, 1, 1)

# Still waiting to hear: these stages can go quiet.
WAITING_STAGES = ("applied", "screening", "interview")
# An application that heard nothing for this long is asked about ("no reply?").
NO_REPLY_AFTER = timedelta(days=21)
# Asked for feedback and no answer after this long: a gentle nudge (a short follow-up, or
# letting it go).
FEEDBACK_NUDGE_AFTER = timedelta(days=10)
# The ends that count as a "no": each one is a step to yes.
NO_STAGES = ("rejected", "no_reply")
PER_PAGE = 20
PAGE_MAX = 10_000


class ApplicationProblem(Refused):
    """A change to an application, its flow or its feedback that can't be made."""


@dataclass(frozen=True)
class ApplicationInput:
    """What the user tells us about an application; only company and role are needed."""

    company: str
    role: str
    link: str | None = None
    applied_on: date | None = None
    salary: str | None = None
    location: str | None = None
    contact_name: str | None = None
    contact_email: str | None = None
    excitement: int | None = None
    resume_tailored: bool | None = None
    cover_letter_tailored: bool | None = None
    notes: str | None = None


# --- Rules shared by every change ---------------------------------------------------------


def check_day(user: User, day: date, field: str = "day") -> None:
    """A day for something that already happened: not in the future (on the user's
    calendar), not before 2000. Raises ApplicationProblem."""
    if day > local_today(user.timezone):
        raise ApplicationProblem("That day hasn't come yet. Pick today or an earlier day.", field)
    if day < EARLIEST_DAY:
        raise ApplicationProblem("Pick a day in 2000 or later.", field)


def _bounded(value: str | None, limit: int, field: str, what: str) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise ApplicationProblem(f"Keep the {what} to {limit} characters.", field)
    return value or None


def is_web_link(link: str) -> bool:
    """True for an http or https address with a host (never javascript:, data: or mailto:)."""
    parts = urlsplit(link)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def clean_application(user: User, data: ApplicationInput) -> dict:
    """The application's columns from `data`, checked. Raises ApplicationProblem."""
    company = _bounded(data.company, COMPANY_MAX, "company", "company name")
    role = _bounded(data.role, ROLE_MAX, "role", "role")
    if not company:
        raise ApplicationProblem("Which company is it?", "company")
    if not role:
        raise ApplicationProblem("What's the role called?", "role")
    link = _bounded(data.link, LINK_MAX, "link", "link")
    if link and not is_web_link(link):
        raise ApplicationProblem("A link starts with http:// or https://.", "link")
    email = _bounded(data.contact_email, EMAIL_MAX, "contact_email", "email")
    if email and ("@" not in email or any(c.isspace() for c in email)):
        raise ApplicationProblem("That email address doesn't look complete.", "contact_email")
    if data.applied_on is not None:
        check_day(user, data.applied_on, "applied_on")
    if data.excitement is not None and not 1 <= data.excitement <= 5:
        raise ApplicationProblem("How excited: a number from 1 to 5.", "excitement")
    return {
        "company": company,
        "role": role,
        "link": link,
        "applied_on": data.applied_on,
        "salary": _bounded(data.salary, SALARY_MAX, "salary", "salary range"),
        "location": _bounded(data.location, LOCATION_MAX, "location", "location"),
        "contact_name": _bounded(data.contact_name, CONTACT_NAME_MAX, "contact_name", "name"),
        "contact_email": email,
        "excitement": data.excitement,
        "resume_tailored": data.resume_tailored,
        "cover_letter_tailored": data.cover_letter_tailored,
        "notes": _bounded(data.notes, NOTES_MAX, "notes", "notes"),
    }


def moment_of(user: User, day: date) -> datetime:
    """When a change dated `day` happened: now for today, noon on the user's clock for an
    earlier day (never later than now)."""
    now = now_utc()
    if day == local_today(user.timezone, now):
        return now
    return min(local_noon(day, user.timezone), now)


def last_change_day(application: Application) -> date | None:
    """The day of the application's latest stage change."""
    return db.session.scalar(
        select(func.max(StageChange.changed_on)).where(StageChange.application_id == application.id)
    )


def record_stage(user: User, application: Application, stage: str, day: date) -> StageChange:
    """Move the application to `stage` on `day`, on its timeline too. The caller commits.
    Raises ApplicationProblem."""
    if stage not in STAGES:
        raise ApplicationProblem("Pick a stage from the list.", "stage")
    check_day(user, day)
    if application.id is not None:
        if stage == application.stage:
            raise ApplicationProblem(
                f"It's already at “{STAGE_LABELS[stage]}”.", "stage"
            )
        latest = last_change_day(application)
        if latest is not None and day < latest:
            raise ApplicationProblem(
                f"Its last change was on {latest.day} {latest:%B %Y}. Pick that day or a "
                "later one.",
                "day",
            )
    application.stage = stage
    application.reached = max(application.reached or 0, pipeline_rank(stage))
    application.stage_changed_at = moment_of(user, day)
    change = StageChange(user_id=user.id, stage=stage, changed_on=day)
    application.changes.append(change)
    return change


# --- Adding, editing, moving, deleting ----------------------------------------------------


def create_application(
    user: User, data: ApplicationInput, *, stage: str = "applied"
) -> Application:
    """Add an application, saved for later or already applied; its first stage is dated
    the day applied (or today). Raises ApplicationProblem. Commits."""
    if stage not in ("saved", "applied"):
        raise ApplicationProblem("A new application is saved for later or applied.", "stage")
    values = clean_application(user, data)
    today = local_today(user.timezone)
    if stage == "applied" and values["applied_on"] is None:
        values["applied_on"] = today
    application = Application(user_id=user.id, stage=stage, reached=0, **values)
    db.session.add(application)
    record_stage(user, application, stage, values["applied_on"] if stage == "applied" else today)
    db.session.commit()
    return application


def update_application(user: User, application: Application, data: ApplicationInput) -> Application:
    """Change what the user wrote about an application (its stage moves separately).
    Raises ApplicationProblem. Commits."""
    for name, value in clean_application(user, data).items():
        setattr(application, name, value)
    db.session.commit()
    return application


def move_application(user: User, application: Application, stage: str, day: date) -> StageChange:
    """Record that the application moved to `stage` on `day`. Raises ApplicationProblem
    (unknown or same stage, a future day, a day before 2000 or before its last change).
    Commits."""
    change = record_stage(user, application, stage, day)
    db.session.commit()
    return change


def mark_no_reply(user: User, application: Application) -> StageChange:
    """One tap on "no reply?": the application ends as "no reply" today. Raises
    ApplicationProblem when it isn't waiting to hear. Commits."""
    if application.stage not in WAITING_STAGES:
        raise ApplicationProblem("This one isn't waiting to hear back.")
    return move_application(user, application, "no_reply", local_today(user.timezone))


def delete_application(user: User, application: Application, *, with_reflections: bool) -> int:
    """Delete an application and its timeline. The user's reflections on it stay in the
    journal, unlinked, unless `with_reflections`. Returns how many reflections were kept.
    Commits."""
    linked = (JournalEntry.user_id == user.id) & (JournalEntry.application_id == application.id)
    if with_reflections:
        # Thought records go with their entries (ON DELETE CASCADE).
        db.session.execute(delete(JournalEntry).where(linked, JournalEntry.kind == REFLECTION))
    kept = db.session.scalar(
        select(func.count()).select_from(JournalEntry)
        .where(linked, JournalEntry.kind == REFLECTION)
    ) or 0
    # The database unlinks what stays (ON DELETE SET NULL) and drops the stage history.
    db.session.delete(application)
    db.session.commit()
    return kept


# --- The list, its search and the funnel --------------------------------------------------


def is_quiet(application: Application, now: datetime | None = None) -> bool:
    """Waiting to hear, with no change for NO_REPLY_AFTER: worth asking "no reply?"."""
    return (
        application.stage in WAITING_STAGES
        and application.stage_changed_at <= (now or now_utc()) - NO_REPLY_AFTER
    )


def feedback_nudge_due(application: Application, today: date) -> bool:
    """Asked for feedback FEEDBACK_NUDGE_AFTER ago or more, and nothing came back yet."""
    return (
        application.feedback_requested_on is not None
        and application.feedback_received_on is None
        and application.feedback_requested_on <= today - FEEDBACK_NUDGE_AFTER
    )


@dataclass
class ApplicationPage:
    applications: list[Application]
    page: int
    has_next: bool
    stage: str | None
    query: str
    quiet_ids: set[int] = field(default_factory=set)
    nudge_ids: set[int] = field(default_factory=set)  # feedback asked for, no answer yet


# The list's four statements (a stage filter or not, a search or not), each built once with
# bound parameters: Applications runs one on every visit and every keystroke of a search,
# and building it cost more Python than running it.
@cache
def _search_statement(by_stage: bool, by_query: bool) -> Select:
    """The list's statement, at one stage or all, matching a search or not; values bound."""
    statement = select(Application).where(Application.user_id == bindparam("user_id"))
    if by_stage:
        statement = statement.where(Application.stage == bindparam("stage"))
    if by_query:
        # `like_escaped` is the search with its LIKE marks escaped by "/" (what
        # autoescape=True does, which only takes a value, not a bound parameter).
        like = bindparam("like_escaped")
        statement = statement.where(
            Application.company.icontains(like, escape="/")
            | Application.role.icontains(like, escape="/")
        )
    return (statement.order_by(Application.stage_changed_at.desc(), Application.id.desc())
            .limit(bindparam("limit")).offset(bindparam("offset")))


def like_escaped(text: str) -> str:
    """`text` for LIKE ... ESCAPE '/': its %, _ and / match themselves."""
    return text.replace("/", "//").replace("%", "/%").replace("_", "/_")


def search_applications(
    user: User, *, stage: str | None = None, query: str = "", page: int = 1,
    per_page: int = PER_PAGE,
) -> ApplicationPage:
    """One page of the user's applications, most recently moved first: at one stage, or
    all; matching `query` in the company or role. One query, paginated in SQL."""
    stage = stage if stage in STAGES else None
    query = " ".join((query or "").split())[:QUERY_MAX]
    page = min(max(page, 1), PAGE_MAX)
    rows = list(db.session.scalars(_search_statement(bool(stage), bool(query)), {
        "user_id": user.id, "stage": stage, "like_escaped": like_escaped(query),
        "limit": per_page + 1, "offset": (page - 1) * per_page,
    }))
    now = now_utc()
    today = local_today(user.timezone, now)
    shown = rows[:per_page]
    return ApplicationPage(
        applications=shown, page=page, has_next=len(rows) > per_page, stage=stage, query=query,
        quiet_ids={a.id for a in shown if is_quiet(a, now)},
        nudge_ids={a.id for a in shown if feedback_nudge_due(a, today)},
    )


def rate(part: int, whole: int) -> int | None:
    """`part` as a whole percentage of `whole`; None when there is nothing to divide."""
    return round(100 * part / whole) if whole else None


@dataclass
class Funnel:
    """How far the user's applications got, from `reached` (the furthest stage ever), and
    how many sit at each stage now."""

    by_stage: dict[str, int]
    reached: dict[str, int]  # applied, screening, interview, offer: how many got that far

    @property
    def total(self) -> int:
        return sum(self.by_stage.values())

    def steps(self) -> list[tuple[str, int, int | None]]:
        """(stage, how many reached it, % of those at the stage before)."""
        found = []
        previous = None
        for stage in PIPELINE[1:]:
            count = self.reached[stage]
            found.append((stage, count, None if previous is None else rate(count, previous)))
            previous = count
        return found


def _funnel_statement() -> Select:
    """The count at each stage, and how many reached each pipeline stage, by stage."""
    thresholds = [
        func.coalesce(func.sum(case((Application.reached >= pipeline_rank(s), 1), else_=0)), 0)
        for s in PIPELINE[1:]
    ]
    return (select(Application.stage, func.count(), *thresholds)
            .where(Application.user_id == bindparam("user_id"))
            .group_by(Application.stage))


# Built once with a bound parameter: Applications runs it on every visit, and building its
# four CASE sums cost more Python than running them.
FUNNEL = _funnel_statement()


def funnel(user: User) -> Funnel:
    """The funnel and the count at each stage, in one aggregate query."""
    rows = db.session.execute(FUNNEL, {"user_id": user.id}).all()
    by_stage = dict.fromkeys(STAGES, 0)
    reached = dict.fromkeys(PIPELINE[1:], 0)
    for stage, count, *sums in rows:
        by_stage[stage] = count
        for name, value in zip(PIPELINE[1:], sums, strict=True):
            reached[name] += int(value)
    return Funnel(by_stage=by_stage, reached=reached)


# --- One application ----------------------------------------------------------------------


# An application's reflections with their thought records (a LEFT JOIN). Built once with
# bound parameters: an application's page runs it on every visit, and building it cost more
# Python than running it.
REFLECTIONS_ON = (
    select(JournalEntry)
    .where(JournalEntry.user_id == bindparam("user_id"),
           JournalEntry.application_id == bindparam("application_id"),
           JournalEntry.kind == REFLECTION)
    .options(joinedload(JournalEntry.thought_record))
    .order_by(JournalEntry.entry_date, JournalEntry.id)
)


def reflections_on(user: User, application: Application) -> list[JournalEntry]:
    """The user's reflections on this application, oldest first, thought records loaded
    in the same query."""
    return list(db.session.scalars(
        REFLECTIONS_ON, {"user_id": user.id, "application_id": application.id}))


@dataclass
class TimelineItem:
    day: date
    kind: str  # "stage", "reflection", "feedback_requested", "feedback_received"
    stage: str | None = None
    reflection: JournalEntry | None = None


def timeline(application: Application, reflections: list[JournalEntry]) -> list[TimelineItem]:
    """The application's story in order: its stage changes, the reflections on it, and
    asking for and hearing feedback."""
    items = [TimelineItem(c.changed_on, "stage", stage=c.stage) for c in application.changes]
    items += [TimelineItem(r.entry_date, "reflection", reflection=r) for r in reflections]
    if application.feedback_requested_on:
        items.append(TimelineItem(application.feedback_requested_on, "feedback_requested"))
    if application.feedback_received_on:
        items.append(TimelineItem(application.feedback_received_on, "feedback_received"))
    # Stable: on one day, stage changes come first, then what the user did about them.
    order = {"stage": 0, "reflection": 1, "feedback_requested": 2, "feedback_received": 3}
    return sorted(items, key=lambda item: (item.day, order[item.kind]))


@dataclass
class ApplicationView:
    """Everything an application's page shows."""

    application: Application
    timeline: list[TimelineItem]
    reflections: list[JournalEntry]
    quiet: bool
    feedback_nudge: bool
    today: date
    offer_flow: bool  # rejected, and no reflection written since the no

    @property
    def unfinished_reflection(self) -> JournalEntry | None:
        return next(
            (r for r in reversed(self.reflections)
             if r.thought_record is None or r.thought_record.completed_at is None),
            None,
        )


def application_view(user: User, application: Application) -> ApplicationView:
    """One application with its timeline; three queries (stage changes, reflections with
    their thought records, skills) whatever its history."""
    reflections = reflections_on(user, application)
    today = local_today(user.timezone)
    no_came = local_day(application.stage_changed_at, user.timezone)
    return ApplicationView(
        application=application,
        timeline=timeline(application, reflections),
        reflections=reflections,
        quiet=is_quiet(application),
        feedback_nudge=feedback_nudge_due(application, today),
        today=today,
        offer_flow=application.stage == "rejected"
        and not any(r.entry_date >= no_came for r in reflections),
    )


# Built once with bound parameters: "I got a rejection" runs it on every visit, and building
# it cost more Python than running it.
OPEN_APPLICATIONS = (
    select(Application)
    .where(Application.user_id == bindparam("user_id"), Application.stage != "rejected")
    .order_by(Application.stage_changed_at.desc(), Application.id.desc())
    .limit(bindparam("limit"))
)


def open_applications(user: User, limit: int = 100) -> list[Application]:
    """Applications a no could still come for (not already rejected), most recently moved
    first: the choices of "I got a rejection"."""
    return list(db.session.scalars(OPEN_APPLICATIONS, {"user_id": user.id, "limit": limit}))


# --- Steps to yes and Today ---------------------------------------------------------------


# Built once with a bound parameter: the rejection flow's last step asks it on every visit,
# and building it cost more Python than counting by the (user, stage) index.
STEPS_TO_YES = (
    select(func.count()).select_from(Application)
    .where(Application.user_id == bindparam("user_id"), Application.stage.in_(NO_STAGES))
)


def steps_to_yes(user: User) -> int:
    """The number of "no"s so far: applications that ended in a rejection or no reply.
    Each is a step toward a yes, never a mark against the user."""
    return db.session.scalar(STEPS_TO_YES, {"user_id": user.id}) or 0


@dataclass(frozen=True)
class SearchToday:
    """The job search's part of Today."""

    steps_to_yes: int
    in_progress: int  # applied and still waiting to hear


def today_summary(user: User) -> SearchToday:
    """What Today shows of the search, in one query."""
    return today_summary_from_row(db.session.execute(select(*today_summary_columns(user.id))).one())


def today_summary_columns(user_id: SQLValue[int]) -> list:
    """`today_summary`'s two counts as labelled scalar subqueries, for a page that asks
    several domains in one statement (Today)."""
    def count_of(stages: tuple[str, ...], label: str):
        return select(func.count()).where(
            Application.user_id == user_id, Application.stage.in_(stages)
        ).scalar_subquery().label(label)

    return [count_of(NO_STAGES, "steps_to_yes"),
            count_of(WAITING_STAGES, "in_progress")]


def today_summary_from_row(row: Row) -> SearchToday:
    """The summary `today_summary_columns` describe, from the row they were asked in."""
    return SearchToday(steps_to_yes=int(row.steps_to_yes or 0),
                       in_progress=int(row.in_progress or 0))
