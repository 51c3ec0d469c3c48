"""Daily check-in reminders: the settings, the browsers subscribed, and sending the ones due.
Free of requests and templates; every function that changes something commits.

A reminder is due at the user's chosen local time on the chosen weekdays. The periodic task
(`tasks.py`) calls `send_due_reminders()` each minute; a claim row per user and local day
(`ReminderSend`) makes sure it goes out once, however many workers or ticks find it due, and
a claim's lease (SEND_LEASE) lets a later tick send the reminder a dead worker had claimed.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import delete, exists, func, or_, select, update

from webapp.clock import now_utc
from webapp.database import insert_ignoring_conflicts
from webapp.extensions import db
from webapp.models import MoodCheckin, PushSubscription, ReminderSend, User
from webapp.models.reminders import ENDPOINT_MAX
from webapp.reminders.push import TIMEOUT_SECONDS, Delivery, PushTarget, deliver
from webapp.reminders.vapid import vapid_keys
from webapp.timezones import zone

logger = logging.getLogger("onward.reminders")

# Weekdays as Python numbers them (Monday = 0), in the user's words.
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EVERY_DAY = frozenset(range(7))
# The push services of today's browsers: Chrome, Edge's Android, Samsung, Opera and Brave
# (Google's FCM), Firefox (Mozilla autopush), Safari (Apple), Edge on Windows (WNS). More in
# the PUSH_SERVICE_HOSTS setting.
PUSH_SERVICE_HOSTS = ("fcm.googleapis.com", "push.services.mozilla.com", "push.apple.com",
                      "notify.windows.com")
# A browser per device; more than this for one person is not a person's devices. The
# oldest go first.
DEVICES_MAX = 10
# Claims are needed only while a day's reminder can still be due; older ones go nightly.
CLAIMS_KEPT_DAYS = 3
# A tick that runs late (a busy or restarted worker) still sends within this window; after
# it, the day's reminder is let go rather than arriving at an odd hour.
CATCH_UP = timedelta(minutes=30)
# A claim is "sending" until the browsers have been called, then "sent". One still "sending"
# this long after it was taken belongs to a worker that died on the way (kill -9, a lost
# host), so a later tick inside CATCH_UP takes it over and sends. Longer than the slowest
# send a live worker can make (every browser timing out), so a slow one is never doubled.
SEND_LEASE = timedelta(seconds=max(300, 2 * DEVICES_MAX * TIMEOUT_SECONDS))
SENDING, SENT, SKIPPED = "sending", "sent", "skipped"

MESSAGE = {
    "title": "A moment for you",
    "body": "How are you today? A check-in takes a few seconds.",
    "url": "/",
    "tag": "checkin-reminder",
}
TEST_MESSAGE = {
    "title": "Reminders are working",
    "body": "This is how your daily check-in reminder will look.",
    "url": "/reminders",
    "tag": "checkin-reminder",
}


class ReminderProblem(ValueError):
    """Settings or a subscription that break a rule; the message says which, plainly."""


# --- Settings -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReminderSettings:
    on: bool
    at: time
    days: frozenset[int]

    @classmethod
    def of(cls, user: User) -> ReminderSettings:
        minute = user.reminder_minute
        return cls(on=user.reminder_on, at=time(minute // 60, minute % 60),
                   days=days_from_bits(user.reminder_days))


def days_to_bits(days: frozenset[int]) -> int:
    return sum(1 << day for day in days)


def days_from_bits(bits: int) -> frozenset[int]:
    return frozenset(day for day in range(7) if bits & (1 << day))


def save_settings(user: User, settings: ReminderSettings) -> None:
    """Keep the user's reminder settings. Raises ReminderProblem when reminders are on with
    no day chosen. Commits."""
    if not settings.days <= EVERY_DAY:
        raise ReminderProblem("Choose days from Monday to Sunday.")
    if settings.on and not settings.days:
        raise ReminderProblem("Choose at least one day, or turn reminders off.")
    user.reminder_on = settings.on
    user.reminder_minute = settings.at.hour * 60 + settings.at.minute
    # Turning reminders off keeps the days chosen, for when they come back on.
    if settings.days:
        user.reminder_days = days_to_bits(settings.days)
    db.session.commit()


# --- When a reminder is due -----------------------------------------------------------------


def fire_time(day: date, at: time, tz_name: str) -> datetime:
    """The moment, in UTC, of `at` on `day` on the user's clock.

    fold=0 settles the two DST edges: a time skipped in spring (02:30 when clocks jump from
    02:00 to 03:00) reads with the offset before the jump, so it fires at 03:30 that day; a
    time that happens twice in autumn is its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=zone(tz_name)).replace(fold=0).astimezone(UTC)


def due_day(now: datetime, settings: ReminderSettings, tz_name: str) -> date | None:
    """The local day whose reminder is due at `now`, or None.

    Due from its fire time until CATCH_UP after it, on a chosen weekday. The caller claims
    the day, so being due on several ticks in a row still sends once.
    """
    if not settings.on:
        return None
    today = now.astimezone(zone(tz_name)).date()
    if today.weekday() not in settings.days:
        return None
    fire_at = fire_time(today, settings.at, tz_name)
    if fire_at <= now < fire_at + CATCH_UP:
        return today
    return None


# --- Subscriptions --------------------------------------------------------------------------


def _key(value: Any, size: int, name: str) -> str:
    """A base64url key of exactly `size` bytes, as the browser gives it."""
    if not isinstance(value, str) or len(value) > 200:
        raise ReminderProblem(f"The browser's {name} key is missing.")
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError) as error:
        raise ReminderProblem(f"The browser's {name} key can't be read.") from error
    if len(raw) != size:
        raise ReminderProblem(f"The browser's {name} key can't be read.")
    return value.rstrip("=")


def check_endpoint(endpoint: Any, push_hosts: tuple[str, ...] = ()) -> str:
    """A push service's URL: https, on one of `push_hosts` (default PUSH_SERVICE_HOSTS) or a
    host under one, so the worker never posts anywhere else, our own network above all, on
    a user's say-so."""
    push_hosts = push_hosts or PUSH_SERVICE_HOSTS
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > ENDPOINT_MAX:
        raise ReminderProblem("This browser's push address is missing or too long.")
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    known = any(host == allowed or host.endswith("." + allowed) for allowed in push_hosts)
    if parts.scheme != "https" or not known or parts.username or parts.password:
        raise ReminderProblem("This browser's push service isn't one we can send to yet.")
    try:
        port = parts.port
    except ValueError as error:
        raise ReminderProblem("This browser's push address can't be read.") from error
    if port not in (None, 443):
        raise ReminderProblem("This browser's push service isn't one we can send to yet.")
    return endpoint


@dataclass(frozen=True)
class SubscriptionInput:
    """What `PushSubscription.toJSON()` gives in the browser: endpoint and two keys."""

    endpoint: str
    p256dh: str
    auth: str

    @classmethod
    def from_json(cls, data: Any, push_hosts: tuple[str, ...] = ()) -> SubscriptionInput:
        """Read the browser's subscription. Raises ReminderProblem for anything else."""
        if not isinstance(data, Mapping) or not isinstance(data.get("keys"), Mapping):
            raise ReminderProblem("This browser sent no subscription.")
        keys = data["keys"]
        return cls(endpoint=check_endpoint(data.get("endpoint"), push_hosts),
                   p256dh=_key(keys.get("p256dh"), 65, "encryption"),
                   auth=_key(keys.get("auth"), 16, "secret"))


def save_subscription(user: User, subscription: SubscriptionInput, *,
                      login_session_id: int | None, device: str = "") -> bool:
    """Keep this browser's subscription for the user, tied to its device session. A browser
    has one subscription: one saved before (by this user or someone who signed in on it
    earlier) is replaced; beyond DEVICES_MAX browsers the oldest go. Returns whether this
    call wrote the row. Commits."""
    db.session.execute(
        delete(PushSubscription).where(PushSubscription.endpoint == subscription.endpoint)
    )
    written = insert_ignoring_conflicts(
        PushSubscription, ["endpoint"],
        user_id=user.id, login_session_id=login_session_id, endpoint=subscription.endpoint,
        p256dh=subscription.p256dh, auth=subscription.auth, device=device[:80],
        created_at=now_utc(),
    )
    keep = (select(PushSubscription.id).where(PushSubscription.user_id == user.id)
            .order_by(PushSubscription.id.desc()).limit(DEVICES_MAX))
    db.session.execute(delete(PushSubscription).where(
        PushSubscription.user_id == user.id, PushSubscription.id.not_in(keep.scalar_subquery())))
    db.session.commit()
    return written


def remove_subscription(user: User, endpoint: str) -> bool:
    """Forget one of the user's browsers (it unsubscribed). Returns whether there was one.
    Commits."""
    result = db.session.execute(
        delete(PushSubscription).where(PushSubscription.user_id == user.id,
                                       PushSubscription.endpoint == endpoint)
    )
    db.session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def remove_other_devices(user: User, *, keep_session_id: int | None) -> int:
    """Stop reminders on every browser of the user but the one signed in with
    `keep_session_id` (a lost phone, a shared computer). Returns how many. Commits."""
    query = delete(PushSubscription).where(PushSubscription.user_id == user.id)
    if keep_session_id is not None:
        query = query.where(or_(PushSubscription.login_session_id.is_(None),
                                PushSubscription.login_session_id != keep_session_id))
    result = db.session.execute(query)
    db.session.commit()
    return result.rowcount  # type: ignore[attr-defined]


def device_count(user: User) -> int:
    """How many of the user's browsers get reminders. One query."""
    return db.session.scalar(
        select(func.count()).select_from(PushSubscription)
        .where(PushSubscription.user_id == user.id)
    ) or 0


# --- Sending --------------------------------------------------------------------------------


def _send_to(subscriptions: list[PushSubscription], message: dict[str, Any]) -> int:
    """Deliver to each browser; forget those the push service says are gone. Returns how
    many took it. Holds no transaction while waiting on the network. Commits."""
    keys = vapid_keys()
    targets = [PushTarget.of(subscription) for subscription in subscriptions]
    db.session.commit()  # SQLite's write lock is not held across the HTTP calls
    outcomes = [(target.id, deliver(target, message, keys)) for target in targets]
    gone = [sid for sid, outcome in outcomes if outcome is Delivery.GONE]
    sent = sum(1 for _, outcome in outcomes if outcome is Delivery.SENT)
    if gone:
        db.session.execute(delete(PushSubscription).where(PushSubscription.id.in_(gone)))
        db.session.commit()
        logger.info("removed %s push subscription(s) the push service no longer knows",
                    len(gone))
    return sent


def _subscriptions_of(user_id: int) -> list[PushSubscription]:
    return list(db.session.scalars(
        select(PushSubscription).where(PushSubscription.user_id == user_id)
        .order_by(PushSubscription.id)
    ))


def send_test(user: User) -> int:
    """Send a test reminder to every browser of the user now. Returns how many took it (a
    push service that failed is not counted). Commits."""
    return _send_to(_subscriptions_of(user.id), TEST_MESSAGE)


def checked_in_on(user_id: int, day: date) -> bool:
    return bool(db.session.scalar(select(exists().where(
        MoodCheckin.user_id == user_id, MoodCheckin.local_date == day))))


def claim(user_id: int, day: date, outcome: str, now: datetime) -> bool:
    """Claim the user's reminder for `day`, as SENDING (about to go out) or SKIPPED. True
    for the one caller that gets it: the first, or the first after a SENDING claim's lease
    ran out. Commits, so other workers see the claim before anything is sent."""
    won = insert_ignoring_conflicts(ReminderSend, ["user_id", "local_date"], user_id=user_id,
                                    local_date=day, outcome=outcome, claimed_at=now)
    if not won and outcome == SENDING:
        # One UPDATE with the lease in its WHERE: of two ticks taking over, one matches.
        won = db.session.execute(
            update(ReminderSend)
            .where(ReminderSend.user_id == user_id, ReminderSend.local_date == day,
                   ReminderSend.outcome == SENDING, ReminderSend.claimed_at < now - SEND_LEASE)
            .values(claimed_at=now)
        ).rowcount == 1  # type: ignore[attr-defined]
    db.session.commit()
    return won


def mark_sent(user_id: int, day: date) -> None:
    """The day's reminder has reached the push services: no tick takes it over. Commits."""
    db.session.execute(
        update(ReminderSend)
        .where(ReminderSend.user_id == user_id, ReminderSend.local_date == day)
        .values(outcome=SENT)
    )
    db.session.commit()


def send_due_reminders(now: datetime | None = None) -> int:
    """Send every reminder due at `now` (default: the clock) to the user's browsers, once per
    user and local day. A user who has already checked in that day is let be. Returns how
    many users were reminded.

    Candidates are users with reminders on and at least one browser; who is due depends on
    each one's time zone, so that part is worked out here rather than in SQL. Commits.
    """
    now = now or now_utc()
    users = list(db.session.execute(
        select(User.id, User.timezone, User.reminder_on, User.reminder_minute,
               User.reminder_days)
        .where(User.reminder_on.is_(True),
               exists().where(PushSubscription.user_id == User.id))
        .order_by(User.id)
    ))
    db.session.commit()
    reminded = 0
    for user_id, tz_name, on, minute, days in users:
        settings = ReminderSettings(on=on, at=time(minute // 60, minute % 60),
                                    days=days_from_bits(days))
        day = due_day(now, settings, tz_name)
        if day is None:
            continue
        if checked_in_on(user_id, day):
            claim(user_id, day, SKIPPED, now)
            continue
        if claim(user_id, day, SENDING, now):
            _send_to(_subscriptions_of(user_id), MESSAGE)
            mark_sent(user_id, day)
            reminded += 1
    return reminded


def forget_old_claims(now: datetime | None = None) -> int:
    """Delete claims for days long past (they only guard a day still under way). Returns how
    many went. Commits."""
    cutoff = (now or now_utc()).date() - timedelta(days=CLAIMS_KEPT_DAYS)
    result = db.session.execute(delete(ReminderSend).where(ReminderSend.local_date < cutoff))
    db.session.commit()
    return result.rowcount  # type: ignore[attr-defined]
