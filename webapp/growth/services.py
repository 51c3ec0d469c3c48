"""Growth: the rules for skills and courses, learning sessions and interview practice, free
of requests and templates. Every function that changes something commits."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import case, func, or_, select, update

from webapp.extensions import db
from webapp.models import Activity, Application, PracticeAttempt, PracticeQuestion, Skill, User
from webapp.models.progress import SKILL_STATUSES
from webapp.models.search import application_skills
from webapp.refusals import Refused
from webapp.timezones import local_today
from webapp.week.services import log_activity

# Bounded by the columns (progress.py); notes are Text, bounded here so a page stays small.
SKILL_NAME_MAX = 120
PROVIDER_MAX = 120
NOTES_MAX = 2000
QUESTION_MAX = 500
EARLIEST_DAY = date(2000, 1, 1)

# What the user sees for each status, in the order the list shows them.
STATUS_LABELS = {"active": "Working on it", "planned": "Planning to start", "done": "Done"}
STATUS_HEADINGS = {"active": "Working on now", "planned": "Up next", "done": "Done"}
STATUS_ORDER = ("active", "planned", "done")
QUESTION_SOURCES = {"own": "Your own", "interview": "From an interview",
                    "feedback": "From feedback"}
RATINGS = {1: "Shaky", 2: "Unsure", 3: "Okay", 4: "Good", 5: "Confident"}
# A question last rated this or lower still wants practice.
WEAK_UP_TO = 3

# The skills page shows at most this many; beyond it, the oldest done ones wait.
SKILLS_SHOWN = 100
QUESTIONS_PER_PAGE = 20


class GrowthProblem(Refused):
    """A skill, session or question that breaks a rule."""


@dataclass(frozen=True)
class SkillInput:
    name: str
    provider: str | None = None
    status: str = "planned"
    progress: int = 0
    notes: str | None = None


@dataclass(frozen=True)
class FeedbackSource:
    """An application whose feedback named the skill."""

    role: str
    company: str


@dataclass
class SkillCard:
    """A skill with what the list shows beside it."""

    skill: Skill
    sessions: int = 0
    last_session_on: date | None = None
    from_feedback: list[FeedbackSource] = field(default_factory=list)


@dataclass
class SkillsOverview:
    groups: list[tuple[str, list[SkillCard]]]  # (status, cards), in STATUS_ORDER
    more_than_shown: bool
    limit: int = SKILLS_SHOWN


@dataclass(frozen=True)
class QuestionRow:
    """A question with the application it came from, when it came from one."""

    question: PracticeQuestion
    role: str | None = None
    company: str | None = None


@dataclass
class QuestionPage:
    rows: list[QuestionRow]
    page: int
    has_next: bool
    total: int


def day_problem(day: date, today: date) -> str | None:
    """Why `day` can't be used for something that already happened, or None."""
    if day > today:
        return "Choose a day that isn't in the future."
    if day < EARLIEST_DAY:
        return "Choose a day from the year 2000 on."
    return None


def _clean_text(value: str | None, limit: int, field_name: str, what: str) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise GrowthProblem(f"Keep {what} to {limit} characters.", field_name)
    return value or None


# --- Skills and courses -----------------------------------------------------------------------


def _clean_skill(data: SkillInput) -> SkillInput:
    name = _clean_text(data.name, SKILL_NAME_MAX, "name", "the name")
    if not name:
        raise GrowthProblem("Give the skill or course a name.", "name")
    if data.status not in SKILL_STATUSES:
        raise GrowthProblem("Choose where you are with it.", "status")
    if not 0 <= data.progress <= 100:
        raise GrowthProblem("Progress is a number from 0 to 100.", "progress")
    return SkillInput(
        name=name,
        provider=_clean_text(data.provider, PROVIDER_MAX, "provider", "where it's from"),
        status=data.status,
        progress=data.progress,
        notes=_clean_text(data.notes, NOTES_MAX, "notes", "the notes"),
    )


def add_skill(user: User, data: SkillInput) -> Skill:
    """Add a skill or course. Raises GrowthProblem. Commits."""
    data = _clean_skill(data)
    skill = Skill(user_id=user.id, name=data.name, provider=data.provider, status=data.status,
                  progress=data.progress, notes=data.notes)
    db.session.add(skill)
    db.session.commit()
    return skill


def update_skill(skill: Skill, data: SkillInput) -> Skill:
    """Change everything about a skill at once. Raises GrowthProblem. Commits."""
    data = _clean_skill(data)
    skill.name, skill.provider, skill.status = data.name, data.provider, data.status
    skill.progress, skill.notes = data.progress, data.notes
    db.session.commit()
    return skill


def set_progress(skill: Skill, progress: int) -> Skill:
    """Set how far along the skill is, 0-100. Raises GrowthProblem. Commits."""
    if not 0 <= progress <= 100:
        raise GrowthProblem("Progress is a number from 0 to 100.", "progress")
    skill.progress = progress
    db.session.commit()
    return skill


def delete_skill(skill: Skill) -> None:
    """Delete a skill. Its learning sessions stay, unlinked, so past weeks keep their
    counts. Commits."""
    db.session.delete(skill)
    db.session.commit()


def log_learning_session(user: User, skill: Skill, day: date | None = None) -> Activity:
    """Log a learning session on the skill for the user's today (or `day`); it counts
    toward the week's learning goal. A planned skill becomes active: the user has started.
    Raises GrowthProblem for a day in the future or before 2000. Commits."""
    day = day or local_today(user.timezone)
    problem = day_problem(day, local_today(user.timezone))
    if problem:
        raise GrowthProblem(problem, "day")
    if skill.status == "planned":
        skill.status = "active"
    return log_activity(user, "learning", day=day, skill_id=skill.id)  # commits the status too


def _cards(user: User, skills: list[Skill]) -> list[SkillCard]:
    """Cards for these skills: two queries, whatever their number."""
    cards = {skill.id: SkillCard(skill=skill) for skill in skills}
    if not cards:
        return []
    sessions = db.session.execute(
        select(Activity.skill_id, func.count(), func.max(Activity.done_on))
        .where(Activity.user_id == user.id, Activity.kind == "learning",
               Activity.skill_id.in_(cards))
        .group_by(Activity.skill_id)
    )
    for skill_id, count, last in sessions:
        cards[skill_id].sessions, cards[skill_id].last_session_on = count, last
    sources = db.session.execute(
        select(application_skills.c.skill_id, Application.role, Application.company)
        .join(Application, Application.id == application_skills.c.application_id)
        .where(Application.user_id == user.id, application_skills.c.skill_id.in_(cards))
        .order_by(Application.id)
    )
    for skill_id, role, company in sources:
        cards[skill_id].from_feedback.append(FeedbackSource(role=role, company=company))
    return list(cards.values())


def skills_overview(user: User) -> SkillsOverview:
    """The user's skills grouped by status (active, planned, done), by name within a group,
    with their learning sessions and the feedback that named them. Three queries."""
    status_rank = case({status: rank for rank, status in enumerate(STATUS_ORDER)},
                       value=Skill.status, else_=len(STATUS_ORDER))
    skills = list(db.session.scalars(
        Skill.owned_by(user.id)
        .order_by(status_rank, func.lower(Skill.name), Skill.id)
        .limit(SKILLS_SHOWN + 1)
    ))
    more = len(skills) > SKILLS_SHOWN
    cards = _cards(user, skills[:SKILLS_SHOWN])
    groups = [(status, [c for c in cards if c.skill.status == status]) for status in STATUS_ORDER]
    return SkillsOverview(groups=[g for g in groups if g[1]], more_than_shown=more)


def skill_card(user: User, skill: Skill) -> SkillCard:
    """One skill's card, as the list shows it."""
    return _cards(user, [skill])[0]


# --- Interview practice -----------------------------------------------------------------------


def _clean_question(text: str) -> str:
    cleaned = _clean_text(text, QUESTION_MAX, "question", "the question")
    if not cleaned:
        raise GrowthProblem("Write the question you'd like to practise.", "question")
    return cleaned


def add_question(user: User, text: str, *, source: str = "own",
                 application_id: int | None = None) -> PracticeQuestion:
    """Add a question to the user's practice bank. `source` says where it came from (own,
    interview, feedback). Raises GrowthProblem. Commits."""
    if source not in QUESTION_SOURCES:
        raise ValueError(f"unknown question source {source!r}")
    question = PracticeQuestion(user_id=user.id, question=_clean_question(text), source=source,
                                application_id=application_id)
    db.session.add(question)
    db.session.commit()
    return question


def question_key(question: str) -> str:
    """How questions compare: case, spacing and a final "?" don't make a new one."""
    return " ".join(question.split()).casefold().rstrip("?").strip()


def add_new_questions(user: User, texts: tuple[str, ...], *, source: str,
                      application_id: int | None = None) -> int:
    """Add to the user's bank each of `texts` it doesn't hold yet (whatever that one's
    source), for a service that saves more than questions in one transaction: the caller
    checks the texts (at most QUESTION_MAX characters each) and commits. Returns how many
    were added."""
    if source not in QUESTION_SOURCES:
        raise ValueError(f"unknown question source {source!r}")
    if not texts:
        return 0
    known = {question_key(q) for q in db.session.scalars(
        select(PracticeQuestion.question).where(PracticeQuestion.user_id == user.id))}
    added = 0
    for text in texts:
        key = question_key(text)
        if key and key not in known:
            known.add(key)
            db.session.add(PracticeQuestion(user_id=user.id, question=text, source=source,
                                            application_id=application_id))
            added += 1
    return added


def update_question(question: PracticeQuestion, text: str) -> PracticeQuestion:
    """Reword a question; where it came from and its practice stay. Raises GrowthProblem.
    Commits."""
    question.question = _clean_question(text)
    db.session.commit()
    return question


def delete_question(question: PracticeQuestion) -> None:
    """Delete a question and its practice history (the database cascades). Commits."""
    db.session.delete(question)
    db.session.commit()


def record_practice(user: User, question: PracticeQuestion, rating: int,
                    day: date) -> PracticeAttempt:
    """Save one practice of the question with how it went (1-5) on `day`, and bring the
    question's last rating, last day and count up to date, in one transaction. A practice
    dated before the latest one counts, but leaves the latest rating in place. Raises
    GrowthProblem. Commits."""
    if rating not in RATINGS:
        raise GrowthProblem("Choose how it went, from 1 to 5.", "rating")
    problem = day_problem(day, local_today(user.timezone))
    if problem:
        raise GrowthProblem(problem, "practised_on")
    attempt = PracticeAttempt(user_id=user.id, question_id=question.id, rating=rating,
                              practised_on=day)
    db.session.add(attempt)
    latest = or_(PracticeQuestion.last_practised_on.is_(None),
                 PracticeQuestion.last_practised_on <= day)
    # One UPDATE computed by the database from the row as it is, so two practices saved at
    # once both count.
    db.session.execute(
        update(PracticeQuestion)
        .where(PracticeQuestion.id == question.id, PracticeQuestion.user_id == user.id)
        .values(
            times_practised=PracticeQuestion.times_practised + 1,
            last_rating=case((latest, rating), else_=PracticeQuestion.last_rating),
            last_practised_on=case((latest, day), else_=PracticeQuestion.last_practised_on),
        )
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    # The UPDATE went around the loaded object: read the new values on next use.
    db.session.expire(question, ["times_practised", "last_rating", "last_practised_on"])
    return attempt


def _question_rows(query) -> list[QuestionRow]:
    rows = db.session.execute(
        query.add_columns(Application.role, Application.company)
        .outerjoin(Application, Application.id == PracticeQuestion.application_id)
    )
    return [QuestionRow(question=q, role=role, company=company) for q, role, company in rows]


def next_question(user: User, today: date | None = None) -> QuestionRow | None:
    """The question to practise now, in one query on the user's questions: one never
    practised (oldest first); else the least recently practised weak one (last rated 1-3;
    on the same day, the lower rating first), as issue 6 asks, so every shaky question
    comes round in turn instead of the shakiest one coming back again and again; else the
    steady ones, longest ago first. A question already practised today waits until the
    others have had a turn, so "practise another" never hands back the one just done."""
    today = today or local_today(user.timezone)
    practised = PracticeQuestion.last_practised_on
    weak_first = case((PracticeQuestion.last_rating <= WEAK_UP_TO, 0), else_=1)
    query = (
        select(PracticeQuestion)
        .where(PracticeQuestion.user_id == user.id)
        .order_by(
            case((practised.is_(None), 0), else_=1),
            case((practised >= today, 1), else_=0),
            weak_first,
            practised,
            PracticeQuestion.last_rating,
            PracticeQuestion.id,
        )
        .limit(1)
    )
    rows = _question_rows(query)
    return rows[0] if rows else None


def is_weak(question: PracticeQuestion) -> bool:
    """Never practised, or last rated 1-3."""
    return question.last_rating is None or question.last_rating <= WEAK_UP_TO


def question_page(user: User, page: int = 1) -> QuestionPage:
    """The user's question bank, newest first, a page at a time. Two queries."""
    page = max(page, 1)
    rows = _question_rows(
        select(PracticeQuestion)
        .where(PracticeQuestion.user_id == user.id)
        .order_by(PracticeQuestion.created_at.desc(), PracticeQuestion.id.desc())
        .limit(QUESTIONS_PER_PAGE + 1)
        .offset((page - 1) * QUESTIONS_PER_PAGE)
    )
    return QuestionPage(rows=rows[:QUESTIONS_PER_PAGE], page=page,
                        has_next=len(rows) > QUESTIONS_PER_PAGE, total=question_count(user))


def question_row(question: PracticeQuestion) -> QuestionRow:
    """The question with the application it came from."""
    application = None
    if question.application_id is not None:
        application = db.session.get(Application, question.application_id)
    if application is None or application.user_id != question.user_id:
        return QuestionRow(question=question)
    return QuestionRow(question=question, role=application.role, company=application.company)


def question_count(user: User) -> int:
    """How many questions the user's bank holds."""
    return db.session.scalar(
        select(func.count()).select_from(PracticeQuestion)
        .where(PracticeQuestion.user_id == user.id)
    ) or 0
