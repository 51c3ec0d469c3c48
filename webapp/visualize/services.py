"""My why and guided visualizations (seed idea 10): the rules, free of requests and templates.
Every function that changes something commits.

The rejection flow can show the user's reasons after a "no" through `my_why(user)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select

from webapp.clock import now_utc
from webapp.database import insert_ignoring_conflicts
from webapp.extensions import db
from webapp.models import MyWhy, User, VisualizationSession
from webapp.models.visualize import SESSION_MINUTES, WHY_REASONS
from webapp.timezones import local_today

# What each reason means, in our words: a word to tick and a line that says it plainly.
REASON_WORDS = {
    "growth": ("Growth", "to learn, stretch and become more of who I want to be"),
    "stability": ("Stability", "a steady income and a settled, secure life"),
    "passion": ("Passion", "work I care about and look forward to"),
}
assert tuple(REASON_WORDS) == WHY_REASONS
OWN_WORDS_MAX = 1000
NOTE_MAX = 500  # VisualizationSession.note is a String(500)

# How a visualization felt, from 1 to 5: words for a small scale, never a score to beat.
FELT = {1: "hard", 2: "a bit hard", 3: "okay", 4: "good", 5: "uplifting"}
DEFAULT_MINUTES = 3
# The guided visualization, one prompt at a time, spread evenly over the chosen minutes.
# Our own words for seed idea 10: picture the first day in the role you want, who you meet,
# what you do, and how it feels.
PROMPTS = (
    "Let your shoulders drop. Breathe a little more slowly than usual.",
    "It's the first morning in the role you want. Where are you, and how do you get there?",
    "You arrive. Who is there to meet you? Notice how they say hello.",
    "Picture your first real piece of work. What are you doing, and which of your strengths "
    "are you using?",
    "Someone thanks you for your help. What did you do, and how does it feel to hear it?",
    "The day is winding down. How do you feel, in your body and in your mind? Keep that "
    "feeling with you.",
)
RECENT_SESSIONS = 5


class VisualizeProblem(ValueError):
    """A why or a session that breaks a rule; the message says which, in the user's words."""


# --- My why ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Why:
    """Why the user is looking: the reasons they ticked (keys of REASON_WORDS, in order) and
    their own words."""

    reasons: tuple[str, ...]
    own_words: str | None

    @property
    def reason_words(self) -> list[tuple[str, str]]:
        """(word, what it means) for each reason ticked."""
        return [REASON_WORDS[key] for key in self.reasons]

    @property
    def is_empty(self) -> bool:
        return not self.reasons and not self.own_words


def my_why(user: User) -> Why | None:
    """The user's why, or None while they have neither ticked a reason nor written one.
    One query."""
    row = db.session.scalar(MyWhy.owned_by(user.id))
    if row is None:
        return None
    why = Why(reasons=_ordered(row.reasons or ()), own_words=row.own_words or None)
    return None if why.is_empty else why


def _ordered(reasons: Iterable[str]) -> tuple[str, ...]:
    chosen = set(reasons)
    return tuple(key for key in WHY_REASONS if key in chosen)


def save_my_why(user: User, reasons: Iterable[str], own_words: str | None) -> Why | None:
    """Set the user's why (replacing the old one); clearing everything leaves no why. Raises
    VisualizeProblem for a reason not offered or words that are too long. Commits."""
    reasons = list(reasons)
    if set(reasons) - set(WHY_REASONS):
        raise VisualizeProblem("Choose reasons from the list.")
    own_words = (own_words or "").strip() or None
    if own_words is not None and len(own_words) > OWN_WORDS_MAX:
        raise VisualizeProblem(f"Keep your own words to {OWN_WORDS_MAX} characters.")
    query = MyWhy.owned_by(user.id)
    # Two tabs saving at once meet at the unique user_id instead of failing.
    insert_ignoring_conflicts(MyWhy, ["user_id"], user_id=user.id, reasons=[],
                              updated_at=now_utc())
    row = db.session.scalar(query)
    assert row is not None
    row.reasons = list(_ordered(reasons))
    row.own_words = own_words
    row.updated_at = now_utc()
    db.session.commit()
    return my_why(user)


# --- Guided visualization sessions ---------------------------------------------------------


@dataclass(frozen=True)
class SessionInput:
    """What the user says after a visualization."""

    minutes: int
    felt: int
    note: str | None = None


def record_session(user: User, data: SessionInput) -> VisualizationSession:
    """Save one visualization on the user's today. Raises VisualizeProblem for a length not
    offered, a feeling off the scale or a note that is too long. Commits."""
    if data.minutes not in SESSION_MINUTES:
        raise VisualizeProblem("Choose 1, 3 or 5 minutes.")
    if data.felt not in FELT:
        raise VisualizeProblem("Choose how it felt from the five answers.")
    note = (data.note or "").strip() or None
    if note is not None and len(note) > NOTE_MAX:
        raise VisualizeProblem(f"Keep the note to {NOTE_MAX} characters.")
    session = VisualizationSession(
        user_id=user.id, minutes=data.minutes, felt=data.felt, note=note,
        local_date=local_today(user.timezone), created_at=now_utc(),
    )
    db.session.add(session)
    db.session.commit()
    return session


def delete_session(session: VisualizationSession) -> None:
    """Delete one of the user's visualizations for good. Commits."""
    db.session.delete(session)
    db.session.commit()


@dataclass(frozen=True)
class Moments:
    """How many visualizations the user has taken, and the latest few."""

    count: int
    recent: list[VisualizationSession]


def moments(user: User) -> Moments:
    """The user's visualizations: how many in all, and the latest RECENT_SESSIONS. Two
    queries, whatever the number of sessions."""
    count = db.session.scalar(
        select(func.count()).select_from(VisualizationSession)
        .where(VisualizationSession.user_id == user.id)
    ) or 0
    recent = list(db.session.scalars(
        VisualizationSession.owned_by(user.id)
        .order_by(VisualizationSession.local_date.desc(), VisualizationSession.id.desc())
        .limit(RECENT_SESSIONS)
    )) if count else []
    return Moments(count=count, recent=recent)
