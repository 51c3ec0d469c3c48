"""Mood check-ins and self-care: the rules of the daily loop, free of requests and templates."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import joinedload, lazyload
from sqlalchemy.orm.attributes import set_committed_value

from webapp.checkins.feelings import EMOTION_KEYS, ENERGY, MOODS, NOTE_MAX
from webapp.clock import now_utc
from webapp.database import SQLValue, insert_ignoring_conflicts
from webapp.extensions import db
from webapp.models import (
    CheckinEmotion,
    DeletedCheckin,
    MoodCheckin,
    SelfCareHabit,
    SelfCareLog,
    User,
)
from webapp.timezones import local_day, local_noon, local_today

# How far from now a time sent by the phone may be (TRUST.md OFF-11): a little ahead for
# clock skew, and a month back for check-ins that waited offline.
CLIENT_TIME_AHEAD = timedelta(days=1)
CLIENT_TIME_BEHIND = timedelta(days=30)
# The earliest day a check-in may be back-dated to.
EARLIEST_DAY = date(2000, 1, 1)


class InvalidCheckin(ValueError):
    """The check-in breaks a rule; the message says which, in the user's words."""


class CheckinConflict(ValueError):
    """The check-in id was used before for a different check-in (OFF-03)."""

    def __str__(self) -> str:
        return "This check-in was already saved with other answers."


class CheckinWasDeleted(ValueError):
    """The check-in was saved once and deleted since: a replay of it is already handled and
    writes nothing (OFF-04)."""

    def __str__(self) -> str:
        return "You deleted this check-in earlier, so it stays deleted."


@dataclass(frozen=True)
class CheckinInput:
    mood: int
    energy: int | None = None
    emotions: tuple[str, ...] = ()
    note: str | None = None
    # A day chosen by the user (back-dating), on their own calendar.
    day: date | None = None
    # When the phone says the check-in was made (offline check-ins arrive later).
    client_created_at: datetime | None = None

    def payload_hash(self) -> str:
        """What makes two sends of one id "the same check-in"."""
        payload = {
            "mood": self.mood,
            "energy": self.energy,
            "emotions": sorted(self.emotions),
            "note": self.note or None,
            "day": self.day.isoformat() if self.day else None,
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def validate_mood(mood: int) -> None:
    if mood not in MOODS:
        raise InvalidCheckin("Mood is a number from 1 to 5.")


def validate_details(energy: int | None, emotions: tuple[str, ...], note: str | None) -> None:
    if energy is not None and energy not in ENERGY:
        raise InvalidCheckin("Energy is a number from 1 to 5.")
    unknown = set(emotions) - EMOTION_KEYS
    if unknown:
        raise InvalidCheckin("Pick feelings from the list.")
    if note is not None and len(note) > NOTE_MAX:
        raise InvalidCheckin(f"Keep the note to {NOTE_MAX} characters.")


def validate_day(user: User, day: date) -> None:
    if day > local_today(user.timezone):
        raise InvalidCheckin("A check-in can't be in the future.")
    if day < EARLIEST_DAY:
        raise InvalidCheckin("That day is too long ago.")


def _when(user: User, data: CheckinInput, now: datetime) -> tuple[date, datetime]:
    """The local day and the moment of a new check-in."""
    today = local_today(user.timezone, now)
    if data.day is not None:
        validate_day(user, data.day)
        return data.day, (now if data.day == today else local_noon(data.day, user.timezone))
    if data.client_created_at is not None:
        sent = data.client_created_at
        if sent > now + CLIENT_TIME_AHEAD or sent < now - CLIENT_TIME_BEHIND:
            raise InvalidCheckin(
                "The check-in's time is too far from now; check the phone's clock."
            )
        moment = min(sent, now)  # a clock running a little fast never makes a future day
        return local_day(moment, user.timezone), moment
    return today, now


def record_checkin(user: User, client_uuid: str, data: CheckinInput) -> tuple[MoodCheckin, bool]:
    """Save a check-in once, however many times it is sent (OFF-01..03).

    Returns the check-in and whether this call created it. Raises InvalidCheckin,
    CheckinConflict when the id already belongs to a different check-in, or
    CheckinWasDeleted for a replay of one the user deleted. Commits.
    """
    payload_hash = data.payload_hash()
    # A check-in already saved is answered before any rule about time: a replay may come
    # long after it was made, and was valid when it first arrived (OFF-04).
    existing = _by_client_uuid(user, client_uuid)
    if existing is not None:
        return _same_or_conflict(existing, payload_hash), False
    _refuse_if_deleted(user, client_uuid, payload_hash)
    validate_mood(data.mood)
    validate_details(data.energy, data.emotions, data.note)
    now = now_utc()
    day, moment = _when(user, data, now)
    created = insert_ignoring_conflicts(
        MoodCheckin,
        ["user_id", "client_uuid"],
        user_id=user.id,
        client_uuid=client_uuid,
        payload_hash=payload_hash,
        mood=data.mood,
        energy=data.energy,
        note=data.note or None,
        local_date=day,
        checked_in_at=moment,
        received_at=now,
        updated_at=now,
    )
    if not created:  # another request with this id won the race
        checkin = _by_client_uuid(user, client_uuid)
        assert checkin is not None
        return _same_or_conflict(checkin, payload_hash), False
    checkin = db.session.scalar(JUST_SAVED, {"user_id": user.id, "client_uuid": client_uuid})
    assert checkin is not None
    # Inserted just now, so it has no emotions yet: say so instead of asking the database.
    set_committed_value(checkin, "emotions", [])
    checkin.emotions.extend(CheckinEmotion(emotion=key) for key in sorted(set(data.emotions)))
    db.session.commit()
    return checkin, True


# The check-in an id from the phone was saved as, and the tombstone of one deleted since.
# Built once with bound parameters: every check-in sent runs them (the first one twice), and
# building a statement costs more Python than running it.
BY_CLIENT_UUID = MoodCheckin.owned_by(bindparam("user_id")).where(
    MoodCheckin.client_uuid == bindparam("client_uuid"))
# The row this request just inserted: its emotions are not asked for (see record_checkin).
JUST_SAVED = BY_CLIENT_UUID.options(lazyload(MoodCheckin.emotions))
DELETED_PAYLOAD_HASH = select(DeletedCheckin.payload_hash).where(
    DeletedCheckin.user_id == bindparam("user_id"),
    DeletedCheckin.client_uuid == bindparam("client_uuid"),
)


def _by_client_uuid(user: User, client_uuid: str) -> MoodCheckin | None:
    return db.session.scalar(BY_CLIENT_UUID, {"user_id": user.id, "client_uuid": client_uuid})


def _same_or_conflict(checkin: MoodCheckin, payload_hash: str) -> MoodCheckin:
    if checkin.payload_hash != payload_hash:
        raise CheckinConflict(checkin.client_uuid)
    return checkin


def _refuse_if_deleted(user: User, client_uuid: str, payload_hash: str) -> None:
    deleted = db.session.scalar(
        DELETED_PAYLOAD_HASH, {"user_id": user.id, "client_uuid": client_uuid})
    if deleted is None:
        return
    if deleted != payload_hash:
        raise CheckinConflict(client_uuid)
    raise CheckinWasDeleted(client_uuid)


def update_checkin(user: User, checkin: MoodCheckin, data: CheckinInput) -> MoodCheckin:
    """Change one of the user's check-ins to what `data` says, moving it to `data.day` when
    that is another day. The id and what was first sent stay, so a replay of the original
    send is still "already saved". Raises InvalidCheckin. Commits."""
    validate_mood(data.mood)
    validate_details(data.energy, data.emotions, data.note)
    if data.day is not None and data.day != checkin.local_date:
        validate_day(user, data.day)
        checkin.local_date = data.day
        # Noon stands for "some time that day", but never later than now.
        checkin.checked_in_at = min(local_noon(data.day, user.timezone), now_utc())
    checkin.mood = data.mood
    checkin.energy = data.energy
    checkin.note = data.note or None
    wanted = set(data.emotions)
    checkin.emotions = [e for e in checkin.emotions if e.emotion in wanted] + [
        CheckinEmotion(emotion=key) for key in sorted(wanted - set(checkin.emotion_keys))
    ]
    checkin.updated_at = now_utc()
    db.session.commit()
    return checkin


def delete_checkin(checkin: MoodCheckin) -> None:
    """Delete a check-in for good, keeping only a tombstone of its id (OFF-04). Commits."""
    db.session.add(
        DeletedCheckin(
            user_id=checkin.user_id,
            client_uuid=checkin.client_uuid,
            payload_hash=checkin.payload_hash,
        )
    )
    db.session.delete(checkin)
    db.session.commit()


# The day's latest check-ins with their emotions in the same statement (a LEFT JOIN on the
# limited rows) rather than the relationship's second SELECT. Built once with bound
# parameters: Today and every check-in answer run it, and building it cost more Python than
# running it.
LATEST_ON_DAY = (
    MoodCheckin.owned_by(bindparam("user_id"))
    .where(MoodCheckin.local_date == bindparam("day"))
    .order_by(MoodCheckin.checked_in_at.desc(), MoodCheckin.id.desc())
    .limit(bindparam("limit"))
    .options(joinedload(MoodCheckin.emotions))
)


def checkins_on(user: User, day: date, limit: int) -> list[MoodCheckin]:
    """The day's check-ins, latest first; at most `limit` of them."""
    return list(db.session.scalars(
        LATEST_ON_DAY, {"user_id": user.id, "day": day, "limit": limit}).unique())


# Today lists this many of the day's check-ins; the rest are in the history. Keeps the page
# and every check-in answer small however often someone checks in (PERF-02).
TODAY_LIST_MAX = 5


@dataclass
class TodaysCheckins:
    """The check-in part of Today: the latest few of the day, and this month's count."""

    today: date
    checkins: list[MoodCheckin]
    more: bool
    days_this_month: int

    @property
    def latest(self) -> MoodCheckin | None:
        return self.checkins[0] if self.checkins else None


def todays_checkins(user: User, days_this_month: int | None = None) -> TodaysCheckins:
    """What Today shows of the user's check-ins, on their own calendar. A caller that
    counted this month's days already (Today, in its one summary statement, with
    `days_checked_in_column`) passes the count, saving a statement."""
    today = local_today(user.timezone)
    latest = checkins_on(user, today, limit=TODAY_LIST_MAX + 1)
    if days_this_month is None:
        days_this_month = days_checked_in(user, today.replace(day=1), today)
    return TodaysCheckins(
        today=today,
        checkins=latest[:TODAY_LIST_MAX],
        more=len(latest) > TODAY_LIST_MAX,
        days_this_month=days_this_month,
    )


def days_checked_in_column(user_id: SQLValue[int], first: SQLValue[date],
                           last: SQLValue[date]):
    """`days_checked_in` as a scalar subquery, to ask alongside other counts."""
    return select(func.count(func.distinct(MoodCheckin.local_date))).where(
        MoodCheckin.user_id == user_id,
        MoodCheckin.local_date >= first,
        MoodCheckin.local_date <= last,
    ).scalar_subquery()


# Built once with bound parameters: every check-in answer counts this month's days, and
# building the statement cost more Python than running it.
DAYS_CHECKED_IN = select(days_checked_in_column(
    bindparam("user_id"), bindparam("first"), bindparam("last")))


def days_checked_in(user: User, first: date, last: date) -> int:
    """On how many days between `first` and `last` the user checked in at least once."""
    return db.session.scalar(
        DAYS_CHECKED_IN, {"user_id": user.id, "first": first, "last": last}) or 0


# --- History ------------------------------------------------------------------------------


@dataclass
class HistoryDay:
    day: date
    checkins: list[MoodCheckin] = field(default_factory=list)
    self_care: list[SelfCareHabit] = field(default_factory=list)


@dataclass
class HistoryPage:
    days: list[HistoryDay]
    page: int
    has_next: bool


def _newest_days_statement(model: type[MoodCheckin | SelfCareLog]):
    """The user's `limit` latest days with a row of `model`, newest first."""
    return (
        select(model.local_date)
        .where(model.user_id == bindparam("user_id"))
        .distinct()
        .order_by(model.local_date.desc())
        .limit(bindparam("limit"))
    )


# History's four statements, built once with bound parameters (the page's days as an
# expanding IN list): building them cost more Python than running them on every page.
NEWEST_CHECKIN_DAYS = _newest_days_statement(MoodCheckin)
NEWEST_SELF_CARE_DAYS = _newest_days_statement(SelfCareLog)
CHECKINS_ON_DAYS = (
    MoodCheckin.owned_by(bindparam("user_id"))
    .where(MoodCheckin.local_date.in_(bindparam("days", expanding=True)))
    .order_by(MoodCheckin.checked_in_at.desc(), MoodCheckin.id.desc())
)
# The day and habit of each tick, not the ticks themselves: the page shows habit names, and
# a page of ticks was most of the objects it loaded.
SELF_CARE_ON_DAYS = (
    select(SelfCareLog.local_date, SelfCareHabit)
    .join(SelfCareHabit, SelfCareHabit.id == SelfCareLog.habit_id)
    .where(SelfCareLog.user_id == bindparam("user_id"),
           SelfCareLog.local_date.in_(bindparam("days", expanding=True)))
    .order_by(SelfCareLog.id)
)


def history(user: User, page: int = 1, per_page: int = 14) -> HistoryPage:
    """Days with a check-in or self-care, newest first, `per_page` days a page.

    Four queries whatever the page size or the years of data: the newest days of each
    kind, their check-ins (with emotions, loaded together), and their self-care.
    """
    page = max(page, 1)
    # The page's days are among the newest `wanted` days of each kind, and each of those
    # is an index range read backwards from today, so years of older rows cost nothing;
    # a UNION of every day the user ever had would be sorted in full on every page.
    wanted = page * per_page + 1
    newest = {"user_id": user.id, "limit": wanted}
    day_list = sorted(
        set(db.session.scalars(NEWEST_CHECKIN_DAYS, newest))
        | set(db.session.scalars(NEWEST_SELF_CARE_DAYS, newest)),
        reverse=True,
    )[(page - 1) * per_page: wanted]
    has_next = len(day_list) > per_page
    day_list = day_list[:per_page]
    if not day_list:
        return HistoryPage(days=[], page=page, has_next=False)
    by_day = {d: HistoryDay(day=d) for d in day_list}
    on_days = {"user_id": user.id, "days": day_list}
    for checkin in db.session.scalars(CHECKINS_ON_DAYS, on_days):
        by_day[checkin.local_date].checkins.append(checkin)
    for day, habit in db.session.execute(SELF_CARE_ON_DAYS, on_days):
        by_day[day].self_care.append(habit)
    return HistoryPage(days=list(by_day.values()), page=page, has_next=has_next)
