"""Share links and mentor notes: the rules, free of requests and templates. Every function
that changes something commits; one that raises has written nothing.

The owner creates, renews, widens or narrows and revokes links; a mentor opens one
(`open_link`, which counts the visit) and may leave a note (`leave_note`). Logs and security
events name a link by its id or `tokens.token_id`, never by its token (TRUST.md SEC-33).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, select, update

from webapp.audit import security_event
from webapp.clock import now_utc
from webapp.database import write_during_get
from webapp.extensions import db
from webapp.models import MentorNote, ShareLink, ShareView, User
from webapp.share.cards import CARDS, Card, Sharing
from webapp.share.tokens import looks_like_token, new_token, token_hash, token_id
from webapp.share.visitors import Visit

LABEL_MAX = 80
DEFAULT_DAYS = 30
MAX_DAYS = 180
NAME_MAX = 60
NOTE_MAX = 500
# The access log is kept 90 days (TRUST.md SHR-12, PRV-08); the owner's page lists the
# newest of them.
VIEWS_KEPT = timedelta(days=90)
VIEWS_LISTED = 50
NOTES_LISTED = 100
NOTES_ON_TODAY = 3


class ShareProblem(ValueError):
    """A link or note that breaks a rule; the message says which, in the user's words."""


# --- What a link shows ----------------------------------------------------------------------


@dataclass(frozen=True)
class Choice:
    """The cards a link shows, and whether its applications card names companies."""

    cards: tuple[str, ...]
    show_company_names: bool = False

    def checked(self) -> Choice:
        """The choice in the registry's order; raises ShareProblem for no card or an unknown
        one."""
        unknown = set(self.cards) - set(CARDS)
        if unknown:
            raise ShareProblem("Choose from the cards listed.")
        if not self.cards:
            raise ShareProblem("Choose at least one card to share.")
        ordered = tuple(key for key in CARDS if key in self.cards)
        return Choice(ordered, self.show_company_names and "applications" in ordered)

    def widens(self, link: ShareLink) -> bool:
        """Whether this shows anything `link` does not show yet (that needs a fresh login)."""
        more_cards = bool(set(self.cards) - set(link.cards))
        return more_cards or (self.show_company_names and not link.show_company_names)


def _days(days: int) -> timedelta:
    if not 1 <= days <= MAX_DAYS:
        raise ShareProblem(f"Choose from 1 to {MAX_DAYS} days.")
    return timedelta(days=days)


@dataclass(frozen=True)
class NewLink:
    """A link just made, and its token: the one moment the full URL can be shown."""

    link: ShareLink
    token: str


def create_link(user: User, *, label: str, days: int = DEFAULT_DAYS, choice: Choice) -> NewLink:
    """Make a link showing `choice` for `days` days (1 to 180). Raises ShareProblem for an
    empty or long label, days out of range, or no card. Commits."""
    label = " ".join(label.split())
    if not label:
        raise ShareProblem("Say who the link is for, so you can tell your links apart.")
    if len(label) > LABEL_MAX:
        raise ShareProblem(f"Keep the label to {LABEL_MAX} characters.")
    lifetime = _days(days)
    choice = choice.checked()
    token = new_token()
    now = now_utc()
    link = ShareLink(
        user_id=user.id, label=label, token_hash=token_hash(token), cards=list(choice.cards),
        show_company_names=choice.show_company_names, created_at=now, expires_at=now + lifetime,
    )
    db.session.add(link)
    db.session.commit()
    security_event("share_created", user_id=user.id, link_id=link.id, token_id=token_id(token),
                   cards=link.cards, days=days)
    return NewLink(link, token)


def renew_link(link: ShareLink, days: int = DEFAULT_DAYS) -> ShareLink:
    """Keep the link open for `days` more days from now (1 to 180), which also reopens an
    expired one. Raises ShareProblem for a revoked link (revoking is final) or days out of
    range. Commits."""
    if link.revoked_at is not None:
        raise ShareProblem("This link was ended for good. Make a new one instead.")
    link.expires_at = now_utc() + _days(days)
    db.session.commit()
    security_event("share_renewed", user_id=link.user_id, link_id=link.id, days=days)
    return link


def change_cards(link: ShareLink, choice: Choice) -> ShareLink:
    """Show `choice` from now on. Raises ShareProblem for no card or an unknown one, or for a
    link that was ended. (Showing more needs a fresh login: the view checks `Choice.widens`
    first.) Commits."""
    if link.revoked_at is not None:
        raise ShareProblem("This link was ended for good. Make a new one instead.")
    choice = choice.checked()
    widened = choice.widens(link)
    link.cards = list(choice.cards)
    link.show_company_names = choice.show_company_names
    db.session.commit()
    security_event("share_widened" if widened else "share_narrowed", user_id=link.user_id,
                   link_id=link.id, cards=link.cards)
    return link


def revoke_link(link: ShareLink) -> None:
    """End the link now, for good; ending an ended link changes nothing. Commits."""
    if link.revoked_at is None:
        link.revoked_at = now_utc()
        db.session.commit()
        security_event("share_revoked", user_id=link.user_id, link_id=link.id)


def revoke_all(user: User) -> int:
    """End every link of the user that still works or could be renewed; returns how many.
    Commits."""
    ended = db.session.execute(
        update(ShareLink)
        .where(ShareLink.user_id == user.id, ShareLink.revoked_at.is_(None))
        .values(revoked_at=now_utc())
    ).rowcount or 0
    db.session.commit()
    security_event("share_revoked_all", user_id=user.id, count=ended)
    return ended


# --- The owner's pages ----------------------------------------------------------------------


def links_of(user: User) -> list[ShareLink]:
    """The user's links, newest first."""
    return list(db.session.scalars(
        ShareLink.owned_by(user.id).order_by(ShareLink.created_at.desc(), ShareLink.id.desc())
    ))


def cards_of(link: ShareLink) -> list[Card]:
    """The cards the link shows, in page order (a card since retired is left out)."""
    return [CARDS[key] for key in link.cards if key in CARDS]


@dataclass(frozen=True)
class LinkPage:
    """One link as its owner sees it: the newest visits and every note left through it."""

    link: ShareLink
    views: list[ShareView]
    notes: list[MentorNote]

    @property
    def shown_notes(self) -> list[MentorNote]:
        return [n for n in self.notes if n.hidden_at is None]

    @property
    def hidden_notes(self) -> list[MentorNote]:
        return [n for n in self.notes if n.hidden_at is not None]


def link_page(link: ShareLink) -> LinkPage:
    """What the link's page shows: visits of the last 90 days (newest VIEWS_LISTED) and the
    notes (newest NOTES_LISTED), newest first. Two statements."""
    views = db.session.scalars(
        select(ShareView)
        .where(ShareView.link_id == link.id, ShareView.viewed_at > now_utc() - VIEWS_KEPT)
        .order_by(ShareView.viewed_at.desc(), ShareView.id.desc())
        .limit(VIEWS_LISTED)
    )
    notes = db.session.scalars(
        select(MentorNote).where(MentorNote.link_id == link.id)
        .order_by(MentorNote.created_at.desc(), MentorNote.id.desc())
        .limit(NOTES_LISTED)
    )
    return LinkPage(link, list(views), list(notes))


# --- The mentor's page ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShownCard:
    card: Card
    data: object


@dataclass(frozen=True)
class SharedPage:
    """What the mentor's page shows: the owner's display name (never the email) and the
    chosen cards with their data as of now."""

    link: ShareLink
    owner_name: str
    cards: list[ShownCard] = field(default_factory=list)


# Built once with a bound parameter, as every statement of the mentor's page: building one
# costs more Python than running it.
LINK_AND_OWNER = (
    select(ShareLink, User).join(User, User.id == ShareLink.user_id)
    .where(ShareLink.token_hash == bindparam("token_hash"))
)


def _open_link_and_owner(token: str) -> tuple[ShareLink, User] | None:
    """The link this token opens with its owner, if it is open now; else None."""
    if not looks_like_token(token):
        return None
    row = db.session.execute(LINK_AND_OWNER, {"token_hash": token_hash(token)}).first()
    if row is None or not row.ShareLink.is_open(now_utc()):
        return None
    return row.ShareLink, row.User


def open_link(token: str, *, visit: Visit | None = None) -> SharedPage | None:
    """The page `token` opens, or None when it opens nothing: unknown, malformed, revoked
    and expired tokens are told apart by nobody (TRUST.md SHR-04). With `visit`, the visit
    is counted and logged (SHR-12): the one write a GET makes in Onward, in its own short
    transaction, committed before the cards are read."""
    found = _open_link_and_owner(token)
    if found is None:
        return None
    link, owner = found
    if visit is not None:
        _count_visit(link, visit)
    sharing = Sharing(owner, link)
    cards = [ShownCard(card, card.load(sharing)) for card in cards_of(link)]
    return SharedPage(link=link, owner_name=owner.display_name, cards=cards)


def _count_visit(link: ShareLink, visit: Visit) -> None:
    write_during_get()
    now = now_utc()
    db.session.execute(
        update(ShareLink).where(ShareLink.id == link.id)
        .values(views=ShareLink.views + 1, last_viewed_at=now)
    )
    db.session.add(ShareView(user_id=link.user_id, link_id=link.id, viewed_at=now,
                             device_class=visit.device_class, ip_prefix=visit.ip_prefix))
    db.session.commit()
    security_event("share_viewed", user_id=link.user_id, link_id=link.id,
                   device=visit.device_class)


def find_open_link(token: str) -> ShareLink | None:
    """The link `token` opens now, without counting a visit (a mentor's note is sent to
    it); None exactly when `open_link` would answer None."""
    found = _open_link_and_owner(token)
    return found[0] if found else None


def clean_note(text: str | None) -> str:
    """A note as kept: plain text, trimmed, without control characters other than line
    breaks, and at most two line breaks in a row."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(ch for ch in text if ch == "\n" or ch.isprintable())
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()


def leave_note(link: ShareLink, *, body: str, author_name: str | None = None) -> MentorNote:
    """Keep a mentor's note for the link's owner. The note is plain text: nothing in it is
    ever read as HTML. Raises ShareProblem for an empty note, one over 500 characters, a name
    over 60, or a link that closed meanwhile. Commits."""
    body = clean_note(body)
    name = " ".join((author_name or "").split()) or None
    if not body:
        raise ShareProblem("Write a few words first.")
    if len(body) > NOTE_MAX:
        raise ShareProblem(f"Keep the note to {NOTE_MAX} characters.")
    if name is not None and len(name) > NAME_MAX:
        raise ShareProblem(f"Keep the name to {NAME_MAX} characters.")
    if not link.is_open(now_utc()):
        raise ShareProblem("This link has just closed, so the note could not be sent.")
    note = MentorNote(user_id=link.user_id, link_id=link.id, author_name=name, body=body,
                      created_at=now_utc())
    db.session.add(note)
    db.session.commit()
    security_event("share_note_left", user_id=link.user_id, link_id=link.id, note_id=note.id)
    return note


# --- Notes, for their owner -----------------------------------------------------------------


@dataclass(frozen=True)
class NewNotes:
    """Notes the owner hasn't marked read, for Today: the newest few, and whether there are
    more."""

    notes: list[tuple[MentorNote, str]]  # (note, the label of the link it came through)
    more: bool


# Built once with bound parameters: Today asks it on every visit, and building it cost more
# Python than running it.
NEW_NOTES = (
    select(MentorNote, ShareLink.label)
    .join(ShareLink, ShareLink.id == MentorNote.link_id)
    .where(MentorNote.user_id == bindparam("user_id"), MentorNote.seen_at.is_(None),
           MentorNote.hidden_at.is_(None))
    .order_by(MentorNote.created_at.desc(), MentorNote.id.desc())
    .limit(bindparam("limit"))
)


def new_notes(user: User, shown: int = NOTES_ON_TODAY) -> NewNotes:
    """The user's unread, unhidden notes, newest first (at most `shown`): one statement."""
    rows = db.session.execute(NEW_NOTES, {"user_id": user.id, "limit": shown + 1}).all()
    return NewNotes(notes=[(note, label) for note, label in rows[:shown]],
                    more=len(rows) > shown)


def mark_notes_read(user: User) -> int:
    """Mark every unread note of the user read (it leaves Today); returns how many. Commits."""
    count = db.session.execute(
        update(MentorNote)
        .where(MentorNote.user_id == user.id, MentorNote.seen_at.is_(None))
        .values(seen_at=now_utc())
    ).rowcount or 0
    db.session.commit()
    return count


def hide_note(note: MentorNote, hidden: bool = True) -> None:
    """Hide the note (it leaves Today and folds away on its link's page), or show it again.
    Commits."""
    note.hidden_at = now_utc() if hidden else None
    if hidden and note.seen_at is None:
        note.seen_at = note.hidden_at
    db.session.commit()


def delete_note(note: MentorNote) -> None:
    """Delete the note for good. Commits."""
    db.session.delete(note)
    db.session.commit()


# --- Retention ------------------------------------------------------------------------------


def purge_old_views(now: datetime | None = None) -> int:
    """Delete access-log rows older than 90 days (TRUST.md SHR-12, PRV-08); returns how many.
    Commits."""
    now = now or now_utc()
    count = db.session.execute(
        delete(ShareView).where(ShareView.viewed_at < now - VIEWS_KEPT)
    ).rowcount or 0
    db.session.commit()
    return count
