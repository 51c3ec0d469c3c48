"""Import of a Daylio CSV export: moods become check-ins, activities become self-care.

Daylio's CSV has the columns full_date, date, weekday, time, mood, activities, note_title,
note. Moods are "rad", "good", "meh", "bad", "awful" (5 to 1) or names the user made up,
which the preview asks them to place on our 1-5 scale. Activities, separated by " | ",
become self-care habits: an existing habit with the same name (or a built-in one with that
key, "exercise"), else a new one. New habits past the 12 that fit on Today come in archived:
their days are kept and any can be brought back from Self-care habits.

Nothing is written until the user confirms the preview, and then in one transaction. A row's
check-in gets a `client_uuid` derived from the row itself (uuid5), so importing the same
file twice adds nothing; a check-in deleted since an import stays deleted (its tombstone).
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select

from webapp.account.export import export_dir
from webapp.checkins.services import CheckinInput
from webapp.clock import now_utc
from webapp.extensions import db
from webapp.models import DeletedCheckin, MoodCheckin, SelfCareHabit, SelfCareLog, User
from webapp.selfcare.services import ACTIVE_HABITS_MAX, HABIT_NAME_MAX, name_key

COLUMNS = ("full_date", "date", "weekday", "time", "mood", "activities", "note_title", "note")
MOODS = {"rad": 5, "good": 4, "meh": 3, "bad": 2, "awful": 1}
NOTE_MAX = 500  # a check-in's note
# Every Daylio row's check-in id comes from this namespace and the row's own content.
NAMESPACE = uuid.UUID("6f1d8a52-9d0e-4c3e-8a43-0d5b7c0e2f11")
MAX_PROBLEMS = 20
TIME_FORMATS = ("%H:%M", "%I:%M %p", "%I:%M%p", "%H:%M:%S")
TAGS = re.compile(r"<[^>]+>")
STASH_NAME = re.compile(r"[0-9]+-daylio-[A-Za-z0-9_-]{16,40}\.csv")


class DaylioRejected(Exception):
    """The file can't be read as a Daylio export; `problems` says where and why."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems

    def shown(self) -> list[str]:
        more = len(self.problems) - MAX_PROBLEMS
        return self.problems[:MAX_PROBLEMS] + ([f"…and {more} more like these."] if more > 0
                                               else [])


@dataclass(frozen=True)
class Row:
    line: int
    day: date
    at: time
    mood: str  # as Daylio named it, lower case
    activities: tuple[str, ...]
    note: str | None
    client_uuid: str


@dataclass
class HabitPlan:
    activity: str
    habit_name: str
    new: bool
    archived: bool
    days: int


@dataclass
class Preview:
    checkins_new: int
    checkins_known: int
    first_day: date | None
    last_day: date | None
    custom_moods: list[str]
    habits: list[HabitPlan] = field(default_factory=list)
    notes_shortened: int = 0


def read(raw: bytes) -> list[Row]:
    """The file's rows, checked. Raises DaylioRejected naming each bad line and field."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DaylioRejected(["The file isn't text. Choose the .csv file Daylio made."]) from None
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in ("full_date", "time", "mood", "activities")
               if c not in (reader.fieldnames or [])]
    if missing:
        raise DaylioRejected(["This doesn't look like a Daylio export: it has no "
                              f"{', '.join(missing)} column."])
    rows: list[Row] = []
    problems: list[str] = []
    for number, record in enumerate(reader, start=2):  # line 1 is the header
        row = check(number, record, problems)
        if row is not None:
            rows.append(row)
    if not rows and not problems:
        problems.append("The file has no entries.")
    if problems:
        raise DaylioRejected(problems)
    return rows


def check(line: int, record: dict[str, str | None], problems: list[str]) -> Row | None:
    where = f"Line {line}"
    before = len(problems)
    try:
        day = date.fromisoformat((record.get("full_date") or "").strip())
    except ValueError:
        problems.append(f'{where}, full_date: "{record.get("full_date")}" should be a day '
                        "like 2024-03-31.")
        day = None
    at = parse_time((record.get("time") or "").strip())
    if at is None:
        problems.append(f'{where}, time: "{record.get("time")}" should be a time like 20:15 '
                        "or 8:15 pm.")
    mood = " ".join((record.get("mood") or "").split()).casefold()
    if not mood:
        problems.append(f"{where}, mood: empty.")
    activities = tuple(dict.fromkeys(
        " ".join(a.split())[:HABIT_NAME_MAX] for a in (record.get("activities") or "").split("|")
        if a.strip()))
    note = join_note(record.get("note_title"), record.get("note"))
    if len(problems) > before or day is None or at is None:
        return None
    identity = "|".join((day.isoformat(), at.isoformat(), mood, " | ".join(activities),
                         note or ""))
    return Row(line, day, at, mood, activities, note, str(uuid.uuid5(NAMESPACE, identity)))


def parse_time(value: str) -> time | None:
    for form in TIME_FORMATS:
        try:
            return datetime.strptime(value.upper(), form).time()
        except ValueError:
            continue
    return None


def join_note(title: str | None, body: str | None) -> str | None:
    """Daylio's note title and note as one plain note (Daylio notes may hold HTML tags)."""
    parts = [" ".join(TAGS.sub(" ", p or "").split()) for p in (title, body)]
    text = " — ".join(p for p in parts if p)
    return text or None


def mood_levels(rows: list[Row], chosen: dict[str, int] | None = None) -> dict[str, int]:
    """Every mood of the file on our 1-5 scale: Daylio's five, a number, or as chosen."""
    levels: dict[str, int] = {}
    for row in rows:
        if row.mood in MOODS:
            levels[row.mood] = MOODS[row.mood]
        elif row.mood.isdigit() and 1 <= int(row.mood) <= 5:
            levels[row.mood] = int(row.mood)
        elif chosen and row.mood in chosen:
            levels[row.mood] = chosen[row.mood]
    return levels


def custom_moods(rows: list[Row]) -> list[str]:
    """The file's moods that need the user to place them on the 1-5 scale, most used first."""
    known = mood_levels(rows)
    counts = Counter(row.mood for row in rows if row.mood not in known)
    return [mood for mood, _ in counts.most_common()]


# --- Between the upload and the confirmation -----------------------------------------------


def stash(user: User, raw: bytes) -> str:
    """Keep an uploaded file until the user confirms its preview; returns its name. Kept
    beside the exports: deleted with the account, and by the hourly purge after a day."""
    name = f"{user.id}-daylio-{secrets.token_urlsafe(16)}.csv"
    (export_dir() / name).write_bytes(raw)
    return name


def stashed_rows(user: User, name: str | None) -> list[Row] | None:
    """The rows of the user's kept upload, or None when there is none (or it's gone)."""
    if not name or not STASH_NAME.fullmatch(name) or not name.startswith(f"{user.id}-"):
        return None
    path = export_dir() / name
    if not path.is_file():
        return None
    try:
        return read(path.read_bytes())
    except DaylioRejected:
        return None


def drop_stash(user: User, name: str | None) -> None:
    if name and STASH_NAME.fullmatch(name) and name.startswith(f"{user.id}-"):
        (export_dir() / name).unlink(missing_ok=True)


# --- Preview --------------------------------------------------------------------------------


def preview(user: User, rows: list[Row]) -> Preview:
    """What confirming would write: check-ins new and already there, and which activity
    becomes which habit. Writes nothing."""
    known = existing_ids(user, rows)
    days = [row.day for row in rows]
    plan = Preview(
        checkins_new=sum(1 for row in rows if row.client_uuid not in known),
        checkins_known=sum(1 for row in rows if row.client_uuid in known),
        first_day=min(days) if days else None, last_day=max(days) if days else None,
        custom_moods=custom_moods(rows),
        notes_shortened=sum(1 for row in rows if row.note and len(row.note) > NOTE_MAX),
    )
    plan.habits = habit_plan(user, rows)
    return plan


def existing_ids(user: User, rows: list[Row]) -> set[str]:
    """The rows' check-in ids this account already has, or had and deleted."""
    ids = [row.client_uuid for row in rows]
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        found |= set(db.session.scalars(select(MoodCheckin.client_uuid).where(
            MoodCheckin.user_id == user.id, MoodCheckin.client_uuid.in_(chunk))))
        found |= set(db.session.scalars(select(DeletedCheckin.client_uuid).where(
            DeletedCheckin.user_id == user.id, DeletedCheckin.client_uuid.in_(chunk))))
    return found


def habit_plan(user: User, rows: list[Row]) -> list[HabitPlan]:
    """Each activity, most used first, and the habit it becomes."""
    usage = Counter(activity for row in rows for activity in set(row.activities))
    habits = list(db.session.scalars(SelfCareHabit.owned_by(user.id).order_by(
        SelfCareHabit.archived_at.is_not(None), SelfCareHabit.position, SelfCareHabit.id)))
    by_key: dict[str, SelfCareHabit] = {}
    for habit in habits:  # active ones first, so they win over an archived namesake
        by_key.setdefault(habit.name_key, habit)
        if habit.builtin_key:
            by_key.setdefault(habit.builtin_key, habit)
    room = ACTIVE_HABITS_MAX - sum(1 for h in habits if h.archived_at is None)
    plans: list[HabitPlan] = []
    claimed: set[str] = set()
    for activity, days in usage.most_common():
        key = name_key(activity)
        habit = by_key.get(key)
        if habit is not None:
            archived = habit.archived_at is not None
            plans.append(HabitPlan(activity, habit.name, False, archived, days))
        elif key in claimed:
            continue  # "Walk" and "walk" in one file: one new habit
        else:
            claimed.add(key)
            plans.append(HabitPlan(activity, activity, True, room <= 0, days))
            room -= 1
    return plans


# --- Writing --------------------------------------------------------------------------------


def import_rows(user: User, rows: list[Row], chosen_moods: dict[str, int]) -> tuple[int, int]:
    """Write the rows as check-ins and self-care, in one transaction; returns (check-ins
    added, habit days added). Raises DaylioRejected if a mood has no level. Commits."""
    levels = mood_levels(rows, chosen_moods)
    unplaced = sorted({row.mood for row in rows if row.mood not in levels})
    if unplaced:
        raise DaylioRejected([f'Choose how "{mood}" feels.' for mood in unplaced])
    plans = {name_key(p.activity): p for p in habit_plan(user, rows)}
    habits = habits_for(user, plans)
    known = existing_ids(user, rows)
    zone = ZoneInfo(user.timezone)
    added_checkins = 0
    done: set[tuple[int, date]] = {
        (habit_id, day) for habit_id, day in db.session.execute(
            select(SelfCareLog.habit_id, SelfCareLog.local_date).where(
                SelfCareLog.user_id == user.id))}
    logs = 0
    try:
        for row in rows:
            if row.client_uuid not in known:
                known.add(row.client_uuid)
                db.session.add(checkin_of(user, row, levels[row.mood], zone))
                added_checkins += 1
            for activity in row.activities:
                habit = habits[name_key(activity)]
                if (habit.id, row.day) not in done:
                    done.add((habit.id, row.day))
                    db.session.add(SelfCareLog(user_id=user.id, habit_id=habit.id,
                                               local_date=row.day))
                    logs += 1
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return added_checkins, logs


def habits_for(user: User, plans: dict[str, HabitPlan]) -> dict[str, SelfCareHabit]:
    """The habit each activity's name key goes to, new ones added (not yet committed)."""
    habits = list(db.session.scalars(SelfCareHabit.owned_by(user.id).order_by(
        SelfCareHabit.archived_at.is_not(None), SelfCareHabit.position, SelfCareHabit.id)))
    by_key: dict[str, SelfCareHabit] = {}
    for habit in habits:
        by_key.setdefault(habit.name_key, habit)
        if habit.builtin_key:
            by_key.setdefault(habit.builtin_key, habit)
    position = max((h.position for h in habits), default=-1) + 1
    now = now_utc()
    for key, plan in plans.items():
        if key in by_key:
            continue
        habit = SelfCareHabit(user_id=user.id, name=plan.habit_name, name_key=key,
                              position=position, archived_at=now if plan.archived else None)
        db.session.add(habit)
        position += 1
        by_key[key] = habit
    db.session.flush()
    return {key: by_key[key] for key in plans}


def checkin_of(user: User, row: Row, mood: int, zone: ZoneInfo) -> MoodCheckin:
    note = row.note
    if note and len(note) > NOTE_MAX:
        note = note[:NOTE_MAX - 1] + "…"
    moment = datetime.combine(row.day, row.at, tzinfo=zone).astimezone(UTC)
    data = CheckinInput(mood=mood, note=note, day=row.day)
    return MoodCheckin(user_id=user.id, client_uuid=row.client_uuid,
                       payload_hash=data.payload_hash(), mood=mood, note=note,
                       local_date=row.day, checked_in_at=moment)

