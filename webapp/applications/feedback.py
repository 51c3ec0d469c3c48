"""Asking for feedback after a no: a polite request drafted from the application, a correct
`mailto:` link for it, and what came back (when asked, when answered, what it said, the
skills it points to). Every function that changes something commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from webapp.applications.services import ApplicationProblem, check_day
from webapp.extensions import db
from webapp.growth.services import QUESTION_MAX, add_new_questions
from webapp.models import Application, Skill, User
from webapp.timezones import local_today

FEEDBACK_MAX = 5000
SKILL_MAX = 120  # Skill.name
SKILLS_MAX = 10  # per application: feedback rarely names more, and Growth stays readable
QUESTIONS_MAX = 20  # added at one time: a debrief's worth, not a pasted question list

# What the request thanks them for, by how far it got.
THANKS_FOR = {
    "applied": "for considering my application",
    "screening": "for the call and for considering my application",
    "interview": "for the interview and the time you and the team gave me",
    "offer": "for the time you and the team gave me throughout the process",
}


@dataclass(frozen=True)
class FeedbackDraft:
    """A request for feedback, ready to copy or to open in a mail app."""

    to: str | None
    subject: str
    body: str

    @property
    def mailto(self) -> str:
        return mailto_link(self.to, self.subject, self.body)


def mailto_link(to: str | None, subject: str, body: str) -> str:
    """A `mailto:` URL (RFC 6068): the address, subject and body percent-encoded as UTF-8,
    line breaks as CRLF, so "&", "?", "#", "%", "+" and accents arrive as written."""

    def encode(text: str) -> str:
        return quote(text.replace("\r\n", "\n").replace("\n", "\r\n"), safe="")

    address = quote(to or "", safe="@")
    return f"mailto:{address}?subject={encode(subject)}&body={encode(body)}"


def draft_request(
    application: Application, sender: str, reached: str | None = None
) -> FeedbackDraft:
    """A short, polite request for feedback on this application, signed by `sender`,
    addressed to the contact when the user noted one. `reached` is how far it got (the
    flow's answer), else the furthest stage on record."""
    furthest = {2: "screening", 3: "interview", 4: "offer"}.get(application.reached, "applied")
    stage = reached or furthest
    greeting = f"Hello {application.contact_name}," if application.contact_name else "Hello,"
    body = "\n\n".join([
        greeting,
        f"Thank you for letting me know about the {application.role} role at "
        f"{application.company}, and {THANKS_FOR.get(stage, THANKS_FOR['applied'])}.",
        "If you have a few minutes, I would be grateful for any thoughts on where I could "
        "have been stronger. Even a line or two would help me as I keep looking.",
        "I enjoyed learning about the team and would be glad to stay in touch.",
        f"With thanks,\n{sender}",
    ])
    return FeedbackDraft(
        to=application.contact_email,
        subject=f"Thank you, and a small request: {application.role}",
        body=body,
    )


def mark_requested(user: User, application: Application) -> None:
    """The user sent the request today (one tap). Asking again moves the day. Commits."""
    application.feedback_requested_on = local_today(user.timezone)
    db.session.commit()


@dataclass(frozen=True)
class FeedbackInput:
    requested_on: date | None = None
    received_on: date | None = None
    feedback: str | None = None
    skills: tuple[str, ...] = ()
    questions: tuple[str, ...] = ()  # for interview practice; they go to the Growth bank


def parse_skills(text: str | None) -> tuple[str, ...]:
    """Skill names from a comma-separated line, tidied, each once (case aside)."""
    seen: dict[str, str] = {}
    for part in (text or "").split(","):
        name = " ".join(part.split())
        if name and name.casefold() not in seen:
            seen[name.casefold()] = name
    return tuple(seen.values())


def parse_questions(text: str | None) -> tuple[str, ...]:
    """Questions from a block of text, one a line, tidied; list markers and blank lines
    dropped."""
    found = []
    for line in (text or "").splitlines():
        question = " ".join(line.strip().lstrip("-*•").split())
        if question:
            found.append(question)
    return tuple(found)


def save_feedback(user: User, application: Application, data: FeedbackInput) -> int:
    """Record when feedback was asked for and received, what it said, and the skills it
    points to (found among the user's skills by name, or added as planned ones, so Growth
    shows them). Questions it brought go to the interview practice bank (source
    "feedback", linked to the application), each once. Returns how many questions were
    new to the bank. Raises ApplicationProblem. Commits."""
    for day, field in ((data.requested_on, "requested_on"), (data.received_on, "received_on")):
        if day is not None:
            check_day(user, day, field)
    if data.requested_on and data.received_on and data.received_on < data.requested_on:
        raise ApplicationProblem("The answer can't come before you asked. Check the days.",
                                 "received_on")
    text = (data.feedback or "").strip()
    if len(text) > FEEDBACK_MAX:
        raise ApplicationProblem(f"Keep the feedback to {FEEDBACK_MAX} characters.", "feedback")
    if len(data.skills) > SKILLS_MAX:
        raise ApplicationProblem(f"Name up to {SKILLS_MAX} skills.", "skills")
    if any(len(name) > SKILL_MAX for name in data.skills):
        raise ApplicationProblem(f"Keep each skill to {SKILL_MAX} characters.", "skills")
    if len(data.questions) > QUESTIONS_MAX:
        raise ApplicationProblem(f"Add up to {QUESTIONS_MAX} questions at a time.", "questions")
    if any(len(question) > QUESTION_MAX for question in data.questions):
        raise ApplicationProblem(f"Keep each question to {QUESTION_MAX} characters.",
                                 "questions")
    application.feedback_requested_on = data.requested_on
    # Feedback written down came some day; today, unless the user says when.
    application.feedback_received_on = data.received_on or (
        local_today(user.timezone) if text else None
    )
    application.feedback = text or None
    application.skills_to_improve = _skills_named(user, data.skills)
    added = add_new_questions(user, data.questions, source="feedback",
                              application_id=application.id)
    db.session.commit()
    return added


def _skills_named(user: User, names: tuple[str, ...]) -> list[Skill]:
    """The user's skills with these names (case aside), adding the missing ones. Names are
    compared in Python: SQLite's lower() knows only ASCII."""
    if not names:
        return []
    existing: dict[str, Skill] = {}
    for skill in db.session.scalars(Skill.owned_by(user.id).order_by(Skill.id)):
        existing.setdefault(skill.name.casefold(), skill)
    skills = []
    for name in names:
        skill = existing.get(name.casefold())
        if skill is None:
            skill = Skill(user_id=user.id, name=name, status="planned", progress=0)
            db.session.add(skill)
            existing[name.casefold()] = skill
        skills.append(skill)
    return skills


def skill_names(application: Application) -> str:
    """The application's skills to work on, as the form's comma-separated line."""
    return ", ".join(skill.name for skill in application.skills_to_improve)
