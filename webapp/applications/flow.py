"""The rejection flow: from a "no" to a next step, in five short steps, each optional and
saved as the user goes. Its result is a reflection in the journal, linked to the
application, with the answers in a ThoughtRecord and a short Markdown summary as the body.
Every function that changes something commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import case, func, select

from webapp.applications import feedback
from webapp.applications.services import (
    ApplicationInput,
    ApplicationProblem,
    check_day,
    clean_application,
    moment_of,
    record_stage,
    steps_to_yes,
)
from webapp.applications.words import (
    NEXT_ACTIONS,
    NOT_PERSONAL_REMINDER,
    OUTSIDE_REASONS,
    REACHED_LABELS,
    REASONS,
    REFLECTION,
    SMALL_WIN,
    TRAPS,
)
from webapp.checkins import services as checkins
from webapp.clock import now_utc
from webapp.extensions import db
from webapp.journal.markup import card_html
from webapp.models import (
    Application,
    Contact,
    JournalEntry,
    MoodCheckin,
    StageChange,
    ThoughtRecord,
    User,
)
from webapp.models.search import pipeline_rank
from webapp.selfcare import services as selfcare
from webapp.timezones import local_today

TEXT_MAX = 2000
TITLE_MAX = 200  # JournalEntry.title


@dataclass(frozen=True)
class Step:
    key: str
    number: int  # of STEP_COUNT: the thought record's three parts share step 3
    title: str
    # Saving it brings an answer to read (a reminder, the end of the flow), so the step
    # stays on screen instead of moving on.
    stays: bool = False


STEPS = (
    Step("happened", 1, "What happened"),
    Step("not-personal", 2, "It isn't a verdict on you", stays=True),
    Step("thought", 3, "The thought that came"),
    Step("reframe", 3, "Another look at it"),
    Step("lesson", 3, "Where it points"),
    Step("feedback", 4, "Ask for feedback"),
    Step("forward", 5, "Forward", stays=True),
)
STEP_COUNT = 5
STEP_KEYS = tuple(step.key for step in STEPS)


def step_named(key: str | None) -> Step:
    """The step with this key; the first one for anything else."""
    return next((step for step in STEPS if step.key == key), STEPS[0])


def step_after(key: str, record: ThoughtRecord | None = None) -> Step:
    """The step to show once `key` is saved: the same one when its answer brings something
    to read (the reminder needs a reason ticked), else the next one."""
    index = STEP_KEYS.index(key)
    stays = STEPS[index].stays and not (key == "not-personal" and not (
        record is not None and record.outside_reasons
    ))
    if stays or index + 1 == len(STEPS):
        return STEPS[index]
    return STEPS[index + 1]


@dataclass(frozen=True)
class Happened:
    """Step 1: how far it got, and the day the no came."""

    stage_reached: str | None
    day: date


@dataclass(frozen=True)
class ThoughtInput:
    thought: str | None = None
    belief_before: int | None = None
    traps: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReframeInput:
    evidence: str | None = None
    picked: tuple[str, ...] = ()  # keys of evidence_against suggestions
    balanced: str | None = None


@dataclass(frozen=True)
class LessonInput:
    lesson: str | None = None
    redirect: str | None = None
    belief_after: int | None = None


def _text(value: str | None, field: str) -> str | None:
    value = (value or "").strip()
    if len(value) > TEXT_MAX:
        raise ApplicationProblem(f"Keep this to {TEXT_MAX} characters.", field)
    return value or None


def _belief(value: int | None, field: str) -> int | None:
    if value is not None and not 0 <= value <= 100:
        raise ApplicationProblem("A number from 0 (not at all) to 100 (completely).", field)
    return value


def _keys(values: tuple[str, ...], known: dict, field: str) -> list[str]:
    unknown = set(values) - set(known)
    if unknown:
        raise ApplicationProblem("Pick from the list.", field)
    return [key for key in known if key in values]  # the list's order, each once


# --- Starting --------------------------------------------------------------------------------


def reflection_on(user: User, application: Application) -> JournalEntry | None:
    """The user's latest reflection on this application, if there is one."""
    return db.session.scalar(
        JournalEntry.owned_by(user.id)
        .where(JournalEntry.application_id == application.id, JournalEntry.kind == REFLECTION)
        .order_by(JournalEntry.id.desc())
        .limit(1)
    )


def _check_happened(user: User, happened: Happened) -> None:
    check_day(user, happened.day)
    if happened.stage_reached is not None and happened.stage_reached not in REACHED_LABELS:
        raise ApplicationProblem("Pick how far it got from the list.", "stage_reached")


def _date_the_no(user: User, application: Application, happened: Happened) -> None:
    """The application is rejected on `happened.day`: recorded now, or re-dated when it
    already was; and it reached at least the stage the user names."""
    if application.stage != "rejected":
        record_stage(user, application, "rejected", happened.day)
    else:
        changes = list(db.session.scalars(
            select(StageChange).where(StageChange.application_id == application.id)
            .order_by(StageChange.changed_on.desc(), StageChange.id.desc())
        ))
        rejection = next((c for c in changes if c.stage == "rejected"), None)
        earlier = [c.changed_on for c in changes if c is not rejection]
        if earlier and happened.day < max(earlier):
            latest = max(earlier)
            raise ApplicationProblem(
                f"Its stage before the no was on {latest.day} {latest:%B %Y}. Pick that "
                "day or a later one.", "day",
            )
        if rejection is not None and rejection.changed_on != happened.day:
            rejection.changed_on = happened.day
            application.stage_changed_at = moment_of(user, happened.day)
    if happened.stage_reached:
        application.reached = max(application.reached, pipeline_rank(happened.stage_reached))


def _title(application: Application) -> str:
    title = f"After the no: {application.role} at {application.company}"
    return title if len(title) <= TITLE_MAX else title[: TITLE_MAX - 1] + "…"


def start_reflection(user: User, application: Application, happened: Happened) -> JournalEntry:
    """Mark the application rejected on `happened.day` (or re-date the no it already has)
    and open a reflection on it with step 1 answered. An unfinished reflection on it is
    taken up again instead; a finished one stays as it was (a later no gets its own).
    Raises ApplicationProblem. Commits."""
    _check_happened(user, happened)
    existing = reflection_on(user, application) if application.id is not None else None
    if existing is not None and (
        existing.thought_record is None or existing.thought_record.completed_at is None
    ):
        _date_the_no(user, application, happened)
        _answer_happened(existing, happened)
        _saved(existing)
        return existing
    _date_the_no(user, application, happened)
    entry = JournalEntry(
        user_id=user.id, kind=REFLECTION, title=_title(application), body="",
        entry_date=local_today(user.timezone), application_id=application.id,
    )
    entry.thought_record = ThoughtRecord(
        user_id=user.id, stage_reached=happened.stage_reached, rejected_on=happened.day,
        outside_reasons=[], thinking_traps=[],
    )
    db.session.add(entry)
    _refresh(entry)
    db.session.commit()
    return entry


def start_with_new_application(
    user: User, company: str, role: str, happened: Happened
) -> JournalEntry:
    """Log a no for an application not in Onward yet: add it (company and role), mark it
    rejected, and open a reflection on it. Raises ApplicationProblem. Commits."""
    _check_happened(user, happened)
    values = clean_application(user, ApplicationInput(company=company, role=role))
    application = Application(user_id=user.id, stage="saved", reached=0, **values)
    db.session.add(application)
    db.session.flush()  # the reflection links to its id
    return start_reflection(user, application, happened)


def start_from_today(
    user: User, application_id: int | None, company: str, role: str, happened: Happened
) -> JournalEntry:
    """"I got a rejection": for one of the user's applications (by id), or a new one named
    by company and role. Raises ApplicationProblem. Commits."""
    if application_id is None:
        return start_with_new_application(user, company, role, happened)
    application = db.session.scalar(
        Application.owned_by(user.id).where(Application.id == application_id)
    )
    if application is None:
        raise ApplicationProblem("Pick one of your applications.", "application")
    return start_reflection(user, application, happened)


# --- Saving each step ------------------------------------------------------------------------


def _record(entry: JournalEntry) -> ThoughtRecord:
    if entry.thought_record is None:  # a reflection written elsewhere: the flow adds one
        entry.thought_record = ThoughtRecord(
            user_id=entry.user_id, outside_reasons=[], thinking_traps=[]
        )
    return entry.thought_record


def _linked_application(user: User, entry: JournalEntry) -> Application | None:
    if entry.application_id is None:
        return None
    return db.session.scalar(
        Application.owned_by(user.id).where(Application.id == entry.application_id)
    )


def save_happened(user: User, entry: JournalEntry, happened: Happened) -> None:
    """Step 1 again: how far it got and the day of the no; the application's no is
    re-dated to match while it is still rejected. Raises ApplicationProblem. Commits."""
    _check_happened(user, happened)
    application = _linked_application(user, entry)
    if application is not None and application.stage == "rejected":
        _date_the_no(user, application, happened)
    _answer_happened(entry, happened)
    _saved(entry)


def _answer_happened(entry: JournalEntry, happened: Happened) -> None:
    record = _record(entry)
    record.stage_reached = happened.stage_reached
    record.rejected_on = happened.day


def save_not_personal(user: User, entry: JournalEntry, reasons: tuple[str, ...]) -> None:
    """Step 2: the reasons, outside the user, that may have decided it. Raises
    ApplicationProblem. Commits."""
    _record(entry).outside_reasons = _keys(reasons, REASONS, "reasons")
    _saved(entry)


def save_thought(user: User, entry: JournalEntry, data: ThoughtInput) -> None:
    """Step 3, first part: the thought, how strongly it is believed, the traps it shows.
    Raises ApplicationProblem. Commits."""
    record = _record(entry)
    record.thought = _text(data.thought, "thought")
    record.belief_before = _belief(data.belief_before, "belief_before")
    record.thinking_traps = _keys(data.traps, TRAPS, "traps")
    _saved(entry)


def save_reframe(user: User, entry: JournalEntry, data: ReframeInput) -> None:
    """Step 3, second part: evidence against the thought (the user's words plus the
    suggestions from their own record they ticked) and a more balanced thought. Raises
    ApplicationProblem. Commits."""
    suggestions = {e.key: e.text for e in evidence_against(user)}
    if set(data.picked) - set(suggestions):
        raise ApplicationProblem("That suggestion isn't on the list any more.", "picked")
    evidence = _text(data.evidence, "evidence") or ""
    for key in data.picked:
        if suggestions[key] not in evidence:  # ticking one twice doesn't copy it twice
            evidence = f"{evidence}\n{suggestions[key]}".strip()
    record = _record(entry)
    record.evidence_against = _text(evidence, "evidence")
    record.balanced_thought = _text(data.balanced, "balanced")
    _saved(entry)


def save_lesson(user: User, entry: JournalEntry, data: LessonInput) -> None:
    """Step 3, last part: what this teaches, what it redirects toward, the belief re-rated.
    Raises ApplicationProblem. Commits."""
    record = _record(entry)
    record.lesson = _text(data.lesson, "lesson")
    record.redirect = _text(data.redirect, "redirect")
    record.belief_after = _belief(data.belief_after, "belief_after")
    _saved(entry)


def save_feedback_asked(user: User, entry: JournalEntry, _: None = None) -> None:
    """Step 4: the user sent the request for feedback today. Raises ApplicationProblem when
    the application is gone. Commits."""
    application = _linked_application(user, entry)
    if application is None:
        raise ApplicationProblem("The application was deleted, so there's no one to ask.")
    feedback.mark_requested(user, application)


def finish(user: User, entry: JournalEntry, next_action: str | None) -> None:
    """Step 5: the next step the user chose; the reflection is complete. Raises
    ApplicationProblem. Commits."""
    if next_action is not None and next_action not in NEXT_ACTIONS:
        raise ApplicationProblem("Pick a next step from the list.", "next_action")
    record = _record(entry)
    record.next_action = next_action
    record.completed_at = record.completed_at or now_utc()
    _saved(entry)


def _saved(entry: JournalEntry) -> None:
    _refresh(entry)
    entry.version = (entry.version or 1) + 1  # an edit made in the journal meanwhile conflicts
    db.session.commit()


def _refresh(entry: JournalEntry) -> None:
    entry.body = summary_markdown(entry.thought_record)
    entry.card_html = card_html(entry.body)  # as the journal keeps it with every body


# --- What the flow shows ---------------------------------------------------------------------


def summary_markdown(record: ThoughtRecord | None) -> str:
    """The reflection's body: the answers given so far, as short Markdown paragraphs."""
    if record is None:
        return ""
    lines = []
    if record.rejected_on or record.stage_reached:
        how_far = REACHED_LABELS.get(record.stage_reached or "", "").lower()
        day = record.rejected_on
        when = f"on {day.day} {day:%B %Y}" if day else ""
        lines.append(f"**What happened:** a no {how_far} {when}".rstrip() + ".")
    if record.outside_reasons:
        reasons = "; ".join(
            REASONS[k].label.lower() for k in record.outside_reasons if k in REASONS
        )
        lines.append(f"**Not about my worth:** {reasons}.")
    if record.thought:
        belief = (
            f" (I believed it {record.belief_before}/100)"
            if record.belief_before is not None else ""
        )
        lines.append(f"**The thought:** {record.thought}{belief}")
    elif record.belief_before is not None:
        lines.append(f"**How much I believed it:** {record.belief_before}/100")
    if record.thinking_traps:
        traps = ", ".join(TRAPS[k].label for k in record.thinking_traps if k in TRAPS)
        lines.append(f"**Thinking traps:** {traps}.")
    for label, value in (
        ("Evidence against it", record.evidence_against),
        ("A more balanced thought", record.balanced_thought),
        ("What this teaches me", record.lesson),
        ("Where it points", record.redirect),
    ):
        if value:
            lines.append(f"**{label}:** {value}")
    if record.belief_after is not None:
        was = f" (from {record.belief_before})" if record.belief_before is not None else ""
        lines.append(f"**How much I believe it now:** {record.belief_after}/100{was}")
    if record.next_action in NEXT_ACTIONS:
        lines.append(f"**Next step:** {NEXT_ACTIONS[record.next_action]}.")
    return "\n\n".join(lines)


def not_personal_reminders(record: ThoughtRecord | None) -> list[str]:
    """A line for each reason the user ticked, in the list's order."""
    if record is None:
        return []
    return [reason.reply for reason in OUTSIDE_REASONS if reason.key in record.outside_reasons]


@dataclass(frozen=True)
class Evidence:
    key: str
    text: str  # in the first person: the user may copy it as their own


def _times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def evidence_against(user: User, wins: int = 3) -> list[Evidence]:
    """Facts from the user's own record that speak against a harsh thought: applications
    sent, calls and interviews reached, offers, and the latest small wins they logged.
    Two queries, whatever the size of the record."""
    counts = db.session.execute(
        select(*(
            func.coalesce(func.sum(case((Application.reached >= rank, 1), else_=0)), 0)
            for rank in (1, 2, 3, 4)
        )).where(Application.user_id == user.id)
    ).one()
    applied, screening, interview, offer = (int(n) for n in counts)
    found = []
    if applied:
        found.append(Evidence("applied", (
            "I sent one application, and that took nerve." if applied == 1 else
            f"I've sent {applied} applications. Putting myself forward that often takes nerve."
        )))
    if screening:
        found.append(Evidence("screening", (
            f"Someone read what I sent and wanted to talk, {_times(screening)}."
        )))
    if interview:
        found.append(Evidence("interview", (
            f"I reached the interview stage {_times(interview)}: people saw something in me "
            "worth meeting."
        )))
    if offer:
        found.append(Evidence("offer", (
            "I've had an offer before: someone already said yes to me." if offer == 1 else
            f"I've had {offer} offers before: people already said yes to me."
        )))
    for win in db.session.scalars(
        JournalEntry.owned_by(user.id).where(JournalEntry.kind == SMALL_WIN)
        .order_by(JournalEntry.entry_date.desc(), JournalEntry.id.desc()).limit(wins)
    ):
        words = " ".join((win.title or win.body or "").split())
        if words:
            words = words if len(words) <= 80 else words[:79] + "…"
            day = win.entry_date
            found.append(
                Evidence(f"win-{win.id}", f"On {day.day} {day:%B} I noted a win: “{words}”.")
            )
    found.append(Evidence("one_decision", "This was one decision by one company, on one day."))
    return found


@dataclass(frozen=True)
class Suggestion:
    key: str  # NEXT_ACTIONS
    text: str
    detail: str


def _mood_is_low(user: User, days: int = 3) -> bool:
    today = local_today(user.timezone)
    average = db.session.scalar(
        select(func.avg(MoodCheckin.mood)).where(
            MoodCheckin.user_id == user.id, MoodCheckin.local_date > today - timedelta(days=days)
        )
    )
    return average is not None and average <= 2


def suggest_next_action(user: User, record: ThoughtRecord | None) -> Suggestion:
    """One next step. Rest first when the thought still weighs a lot or the last days'
    moods were low; otherwise someone to talk to, when the user keeps contacts; otherwise
    one more application."""
    belief = None
    if record is not None:
        belief = record.belief_after if record.belief_after is not None else record.belief_before
    if (belief is not None and belief >= 70) or _mood_is_low(user):
        today = local_today(user.timezone)
        done = selfcare.habits_done_on(user, today)
        habit = next((h for h in selfcare.habits(user) if h.id not in done), None)
        return Suggestion(
            "self_care",
            (f"Be kind to yourself today: {habit.name.lower()}" if habit
             else NEXT_ACTIONS["self_care"]),
            "A no takes energy. Putting some back in comes first; the search will keep.",
        )
    contact = db.session.scalar(
        Contact.owned_by(user.id)
        .order_by(Contact.last_contacted_on.is_not(None), Contact.last_contacted_on, Contact.id)
        .limit(1)
    )
    if contact is not None:
        return Suggestion(
            "reach_out", f"Reach out to {contact.name}",
            "A short message is enough. Saying it out loud to someone makes it lighter.",
        )
    return Suggestion(
        "apply", NEXT_ACTIONS["apply"],
        "Just one, when you feel ready. Small steps keep the search moving.",
    )


@dataclass
class StepView:
    """One step of a reflection, with what that step shows besides its form."""

    step: Step
    entry: JournalEntry
    record: ThoughtRecord
    application: Application | None
    reminders: list[str] | None = None  # not-personal, once answered
    evidence: list[Evidence] | None = None  # reframe
    draft: feedback.FeedbackDraft | None = None  # feedback
    steps_to_yes: int | None = None  # forward
    suggestion: Suggestion | None = None  # forward
    todays: checkins.TodaysCheckins | None = None  # forward, once finished: the check-in

    count = STEP_COUNT
    reminder = NOT_PERSONAL_REMINDER

    @property
    def next_step(self) -> Step | None:
        """The step after this one in order (for "Skip this step")."""
        index = STEP_KEYS.index(self.step.key)
        return STEPS[index + 1] if index + 1 < len(STEPS) else None


def step_view(user: User, entry: JournalEntry, key: str | None) -> StepView:
    """What the step `key` of this reflection shows; only that step's data is loaded."""
    step = step_named(key)
    # A reflection written elsewhere has no record yet; a blank one shows, unsaved (a GET
    # never writes).
    record = entry.thought_record or ThoughtRecord(outside_reasons=[], thinking_traps=[])
    view = StepView(step=step, entry=entry, record=record,
                    application=_linked_application(user, entry))
    if step.key == "not-personal" and record.outside_reasons:
        view.reminders = not_personal_reminders(record)
    elif step.key == "reframe":
        view.evidence = evidence_against(user)
    elif step.key == "feedback" and view.application is not None:
        view.draft = feedback.draft_request(view.application, user.display_name,
                                            record.stage_reached)
    elif step.key == "forward":
        view.steps_to_yes = steps_to_yes(user)
        if record.completed_at is None:
            view.suggestion = suggest_next_action(user, record)
        else:
            # Finished: the next step is chosen, and the flow ends with a mood check-in
            # right here (Today's picker and list), within the page's query budget.
            view.todays = checkins.todays_checkins(user)
    return view
