"""The support network: contacts, reaching out, and a gentle nudge for people not heard
from in a while. Free of requests and templates; every function that changes something
commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.growth.services import day_problem
from webapp.models import Activity, Contact, User
from webapp.models.progress import RELATIONS
from webapp.refusals import Refused
from webapp.timezones import local_day, local_today
from webapp.week.services import log_activity

NAME_MAX = 120
HOW_TO_REACH_MAX = 200
NOTES_MAX = 2000
# The nudge choices offered; None is "no nudge". The column allows any 1-365.
NUDGE_CHOICES = (7, 14, 30, 60)
NUDGE_MAX = 365
PER_PAGE = 30

RELATION_LABELS = {
    "mentor": "Mentor or coach",
    "friend": "Friend",
    "family": "Family",
    "peer_group": "Peer or support group",
    "online_community": "Online community",
    "other": "Someone else",
}
assert set(RELATION_LABELS) == set(RELATIONS)


class PeopleProblem(Refused):
    """A contact change that breaks a rule."""


@dataclass(frozen=True)
class ContactInput:
    name: str
    relation: str = "friend"
    how_to_reach: str | None = None
    notes: str | None = None
    nudge_after_days: int | None = None
    last_contacted_on: date | None = None


@dataclass
class ContactRow:
    """A contact as the list shows it: whether a nudge is due, and what today holds."""

    contact: Contact
    nudge: bool
    reached_today: bool
    networking_today: bool


@dataclass
class PeoplePage:
    rows: list[ContactRow]
    page: int
    has_next: bool


def _clean_text(value: str | None, limit: int, field: str, what: str) -> str | None:
    value = (value or "").strip()
    if len(value) > limit:
        raise PeopleProblem(f"Keep {what} to {limit} characters.", field)
    return value or None


def _clean(user: User, data: ContactInput) -> ContactInput:
    name = _clean_text(data.name, NAME_MAX, "name", "the name")
    if not name:
        raise PeopleProblem("Give them a name, or a nickname only you know.", "name")
    if data.relation not in RELATIONS:
        raise PeopleProblem("Choose who they are to you.", "relation")
    if data.nudge_after_days is not None and not 1 <= data.nudge_after_days <= NUDGE_MAX:
        raise PeopleProblem("Choose when to be reminded.", "nudge_after_days")
    if data.last_contacted_on is not None:
        problem = day_problem(data.last_contacted_on, local_today(user.timezone))
        if problem:
            raise PeopleProblem(problem, "last_contacted_on")
    return ContactInput(
        name=name,
        relation=data.relation,
        how_to_reach=_clean_text(data.how_to_reach, HOW_TO_REACH_MAX, "how_to_reach",
                                 "how to reach them"),
        notes=_clean_text(data.notes, NOTES_MAX, "notes", "the notes"),
        nudge_after_days=data.nudge_after_days,
        last_contacted_on=data.last_contacted_on,
    )


def _apply(contact: Contact, data: ContactInput) -> None:
    contact.name, contact.relation, contact.how_to_reach = (
        data.name, data.relation, data.how_to_reach
    )
    contact.notes, contact.nudge_after_days, contact.last_contacted_on = (
        data.notes, data.nudge_after_days, data.last_contacted_on
    )


def add_contact(user: User, data: ContactInput) -> Contact:
    """Add someone to the user's support network. Raises PeopleProblem. Commits."""
    data = _clean(user, data)
    contact = Contact(user_id=user.id)
    _apply(contact, data)
    db.session.add(contact)
    db.session.commit()
    return contact


def update_contact(user: User, contact: Contact, data: ContactInput) -> Contact:
    """Change everything about a contact at once. Raises PeopleProblem. Commits."""
    _apply(contact, _clean(user, data))
    db.session.commit()
    return contact


def delete_contact(contact: Contact) -> None:
    """Delete a contact. Conversations counted as networking stay, unlinked, so past weeks
    keep their counts. Commits."""
    db.session.delete(contact)
    db.session.commit()


def reached_out(user: User, contact: Contact, *, as_networking: bool,
                day: date | None = None) -> bool:
    """Note that the user reached out to the contact today (their time zone), and when
    they say so, count it as networking for the week. Counted once per contact and day, so
    a second tap changes nothing. Returns whether a networking conversation was added.
    Commits."""
    day = day or local_today(user.timezone)
    if contact.last_contacted_on is None or contact.last_contacted_on < day:
        contact.last_contacted_on = day
    if as_networking and not _networking_counted(user, [contact.id], day):
        log_activity(user, "networking", day=day, contact_id=contact.id)  # commits the contact too
        return True
    db.session.commit()
    return False


def _networking_counted(user: User, contact_ids: list[int], day: date) -> set[int]:
    """Which of these contacts already count as networking on `day`."""
    if not contact_ids:
        return set()
    return set(db.session.scalars(
        select(Activity.contact_id).where(
            Activity.user_id == user.id, Activity.kind == "networking", Activity.done_on == day,
            Activity.contact_id.in_(contact_ids),
        )
    ))


def nudge_due(contact: Contact, today: date, tz_name: str = "UTC") -> bool:
    """Whether to suggest getting in touch: the user chose a number of days and that many
    have passed since they were last in touch (or since the contact was added, so someone
    just added isn't flagged at once)."""
    if contact.nudge_after_days is None:
        return False
    since = contact.last_contacted_on
    if since is None:
        since = local_day(contact.created_at, tz_name) if contact.created_at else today
    return (today - since).days >= contact.nudge_after_days


def _row(user: User, contact: Contact, today: date, counted: set[int]) -> ContactRow:
    return ContactRow(
        contact=contact,
        nudge=nudge_due(contact, today, user.timezone),
        reached_today=contact.last_contacted_on == today,
        networking_today=contact.id in counted,
    )


def people_page(user: User, page: int = 1) -> PeoplePage:
    """The user's contacts, the one not in touch longest first (never in touch before
    anyone), a page at a time. Two queries."""
    page = max(page, 1)
    today = local_today(user.timezone)
    contacts = list(db.session.scalars(
        Contact.owned_by(user.id)
        .order_by(Contact.last_contacted_on.asc().nulls_first(), func.lower(Contact.name),
                  Contact.id)
        .limit(PER_PAGE + 1)
        .offset((page - 1) * PER_PAGE)
    ))
    shown = contacts[:PER_PAGE]
    counted = _networking_counted(user, [c.id for c in shown], today)
    return PeoplePage(rows=[_row(user, c, today, counted) for c in shown], page=page,
                      has_next=len(contacts) > PER_PAGE)


def contact_row(user: User, contact: Contact) -> ContactRow:
    """One contact as the list shows it."""
    today = local_today(user.timezone)
    return _row(user, contact, today, _networking_counted(user, [contact.id], today))
