"""Self-care habits: the rules for naming, keeping and ticking them off, free of requests and
templates. Every function that changes something commits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import bindparam, delete, select
from sqlalchemy.exc import IntegrityError

from webapp.clock import now_utc
from webapp.database import insert_ignoring_conflicts
from webapp.extensions import db
from webapp.models import SelfCareHabit, SelfCareLog, User

# The habits every new account starts with; each can be renamed or archived.
DEFAULT_HABITS = (
    ("exercise", "Exercise"),
    ("hobby", "A hobby"),
    ("break", "A real break"),
    ("mindfulness", "Mindfulness"),
)
HABIT_NAME_MAX = 40
ACTIVE_HABITS_MAX = 12
NAME_TAKEN = "You already have a habit with that name."


class HabitProblem(ValueError):
    """A habit change that cannot be made; the message says why, in the user's words."""


def name_key(name: str) -> str:
    """How habit names compare: case and spacing don't make a different habit."""
    return " ".join(name.split()).casefold()


def create_default_habits(user: User) -> None:
    """Give a new account the built-in habits. The caller (registration) commits."""
    for position, (key, name) in enumerate(DEFAULT_HABITS):
        db.session.add(
            SelfCareHabit(user_id=user.id, name=name, name_key=name_key(name), builtin_key=key,
                          position=position)
        )


def habits(user: User, *, archived: bool = False) -> list[SelfCareHabit]:
    """The user's habits on Today (or the archived ones), in their order."""
    archived_clause = (
        SelfCareHabit.archived_at.is_not(None) if archived else SelfCareHabit.archived_at.is_(None)
    )
    return list(
        db.session.scalars(
            SelfCareHabit.owned_by(user.id)
            .where(archived_clause)
            .order_by(SelfCareHabit.position, SelfCareHabit.id)
        )
    )


# Each habit with whether a mark exists for the day, by the unique (habit, day) index. Built
# once with bound parameters: Today asks it on every visit, and building it cost more Python
# than running it.
HABITS_AND_DONE_ON = select(
    SelfCareHabit,
    select(SelfCareLog.id)
    .where(SelfCareLog.habit_id == SelfCareHabit.id,
           SelfCareLog.local_date == bindparam("day"))
    .exists()
    .label("done"),
).where(
    SelfCareHabit.user_id == bindparam("user_id"), SelfCareHabit.archived_at.is_(None)
).order_by(SelfCareHabit.position, SelfCareHabit.id)


def habits_and_done_on(user: User, day: date) -> tuple[list[SelfCareHabit], set[int]]:
    """`habits(user)` and `habits_done_on(user, day)` in one statement (Today asks both on
    every visit)."""
    rows = db.session.execute(HABITS_AND_DONE_ON, {"user_id": user.id, "day": day}).all()
    return [habit for habit, _ in rows], {habit.id for habit, is_done in rows if is_done}


def _lock_habits_of(user: User) -> None:
    """Serialise changes to one user's list of habits, so two requests at once can't both
    pass the limit check. PostgreSQL locks the user's row until the commit; SQLite already
    holds its write lock for the whole request (BEGIN IMMEDIATE, see database.py)."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def _clean_name(user: User, name: str, *, other_than: int | None = None) -> str:
    name = " ".join(name.split())
    if not name:
        raise HabitProblem("Give the habit a name.")
    if len(name) > HABIT_NAME_MAX:
        raise HabitProblem(f"Keep the name to {HABIT_NAME_MAX} characters.")
    taken = {h.name_key for h in habits(user) if h.id != other_than}
    if name_key(name) in taken:
        raise HabitProblem(NAME_TAKEN)
    return name


def _check_room(user: User, action: str) -> list[SelfCareHabit]:
    active = habits(user)
    if len(active) >= ACTIVE_HABITS_MAX:
        raise HabitProblem(
            f"You can keep up to {ACTIVE_HABITS_MAX} habits. Archive one to {action}."
        )
    return active


def _commit_or_name_taken() -> None:
    """Commit; a name taken by a request that committed a moment earlier (the unique index)
    is the same answer as one taken long ago."""
    try:
        db.session.commit()
    except IntegrityError as error:
        db.session.rollback()
        raise HabitProblem(NAME_TAKEN) from error


def add_habit(user: User, name: str) -> SelfCareHabit:
    """Add one of the user's own habits at the end of the list. Raises HabitProblem. Commits."""
    _lock_habits_of(user)
    name = _clean_name(user, name)
    active = _check_room(user, "add another")
    position = max((h.position for h in active), default=-1) + 1
    habit = SelfCareHabit(user_id=user.id, name=name, name_key=name_key(name), position=position)
    db.session.add(habit)
    _commit_or_name_taken()
    return habit


def rename_habit(user: User, habit: SelfCareHabit, name: str) -> SelfCareHabit:
    """Give one of the user's habits a new name. Raises HabitProblem. Commits."""
    habit.name = _clean_name(user, name, other_than=habit.id)
    habit.name_key = name_key(habit.name)
    _commit_or_name_taken()
    return habit


def archive_habit(habit: SelfCareHabit) -> None:
    """Hide a habit from Today; the days it was done are kept. Commits."""
    habit.archived_at = now_utc()
    db.session.commit()


def restore_habit(user: User, habit: SelfCareHabit) -> None:
    """Bring an archived habit back to Today. Raises HabitProblem. Commits."""
    _lock_habits_of(user)
    _check_room(user, "bring this back")
    _clean_name(user, habit.name, other_than=habit.id)
    habit.archived_at = None
    _commit_or_name_taken()


def set_habit_done(user: User, habit: SelfCareHabit, day: date, done: bool) -> None:
    """Mark the habit done or not done on `day`. Saying the same thing twice changes
    nothing, so a repeated tap is harmless. Commits."""
    if done:
        insert_ignoring_conflicts(
            SelfCareLog,
            ["habit_id", "local_date"],
            user_id=user.id,
            habit_id=habit.id,
            local_date=day,
            created_at=now_utc(),
        )
    else:
        db.session.execute(
            delete(SelfCareLog).where(
                SelfCareLog.user_id == user.id,
                SelfCareLog.habit_id == habit.id,
                SelfCareLog.local_date == day,
            )
        )
    db.session.commit()


def habits_done_on(user: User, day: date) -> set[int]:
    """The ids of the habits the user ticked off on `day`."""
    return set(
        db.session.scalars(
            select(SelfCareLog.habit_id).where(
                SelfCareLog.user_id == user.id, SelfCareLog.local_date == day
            )
        )
    )
