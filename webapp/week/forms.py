"""Forms for the week: targets, one-tap logging, and the weekly review. Each builds the typed
input its service takes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, NumberRange

from webapp.models.progress import ACTIVITY_KINDS
from webapp.week.services import (
    ANSWER_FIELDS,
    ANSWER_MAX,
    NOTE_MAX,
    REST_DAYS_MAX,
    TARGET_MAX,
    ReviewAnswers,
    ReviewDraft,
    Targets,
)


class WholeNumberField(IntegerField):
    """An IntegerField that says what it wants in plain words when given "abc" or "2.5"."""

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Use a whole number, like 3.") from error


def _target(label: str, description: str) -> WholeNumberField:
    return WholeNumberField(
        label,
        description=description,
        validators=[
            InputRequired("Give a number (0 is fine)."),
            NumberRange(0, TARGET_MAX, f"Choose a number from 0 to {TARGET_MAX}."),
        ],
        render_kw={"min": 0, "max": TARGET_MAX, "inputmode": "numeric"},
    )


class TargetFields(FlaskForm):
    """A week's three targets and its planned rest days."""

    applications_target = _target(
        "Applications", "Each application counts once it reaches “applied”."
    )
    networking_target = _target(
        "Networking events or conversations", "A coffee chat, a meetup, a message that led "
        "somewhere."
    )
    learning_target = _target("Learning sessions", "A lesson, a workshop, an hour of practice.")
    rest_days = WholeNumberField(
        "Rest days planned",
        description="Days off from the search. Rest is part of the plan.",
        validators=[
            InputRequired("Give a number (0 is fine)."),
            NumberRange(0, REST_DAYS_MAX, f"Choose a number from 0 to {REST_DAYS_MAX}."),
        ],
        render_kw={"min": 0, "max": REST_DAYS_MAX, "inputmode": "numeric"},
    )

    def fill_targets(self, targets: Targets) -> None:
        """Show these targets in the form."""
        self.applications_target.data = targets.applications
        self.networking_target.data = targets.networking
        self.learning_target.data = targets.learning
        self.rest_days.data = targets.rest_days

    def targets(self) -> Targets:
        return Targets(
            applications=self.applications_target.data,
            networking=self.networking_target.data,
            learning=self.learning_target.data,
            rest_days=self.rest_days.data,
        )


class GoalsForm(TargetFields):
    """This week's targets."""


class LogActivityForm(FlaskForm):
    """One tap logs networking or learning today; the button tapped says which."""

    kind = StringField(
        "What to log",
        validators=[
            InputRequired("Choose networking or learning."),
            AnyOf(ACTIVITY_KINDS, "Choose networking or learning."),
        ],
    )
    note = StringField(
        "Note (optional)",
        description="A few words, like who you talked to or what you learned.",
        validators=[Length(max=NOTE_MAX, message=f"Keep the note to {NOTE_MAX} characters.")],
        render_kw={"maxlength": NOTE_MAX, "autocomplete": "off"},
    )


# The weekly review's questions (seed idea 4, in our words), kind ones first: the label and
# a hint for each answer field. The review page reads them back with the answers.
QUESTIONS = {
    "went_well": (
        "What went well this week?",
        "Small things count: a kind reply, a good conversation, simply showing up.",
    ),
    "tailoring": (
        "Did your résumé and cover letters fit the roles you went for?",
        "Which ones did you shape for the job, and which went out as they were?",
    ),
    "practice": (
        "Did you practise for interviews?",
        "Questions you rehearsed, a mock interview with a friend, feedback you asked for.",
    ),
    "alignment": (
        "Do the roles you applied for suit your skills and what you want?",
        "Any that felt like a good stretch, or not quite you?",
    ),
    "change_next": (
        "What would you like to do differently next week?",
        "One small change is plenty.",
    ),
}
assert tuple(QUESTIONS) == ANSWER_FIELDS


def _answer(name: str) -> TextAreaField:
    label, hint = QUESTIONS[name]
    return TextAreaField(
        label,
        description=hint,
        validators=[
            Length(max=ANSWER_MAX, message=f"Keep each answer to {ANSWER_MAX} characters.")
        ],
        render_kw={"maxlength": ANSWER_MAX, "rows": 3},
    )


class ReviewForm(FlaskForm):
    """The weekly review's questions. Every one is optional."""

    went_well = _answer("went_well")
    tailoring = _answer("tailoring")
    practice = _answer("practice")
    alignment = _answer("alignment")
    change_next = _answer("change_next")

    sets_next_week = False

    def fill(self, draft: ReviewDraft) -> None:
        """Show the review written so far, if there is one."""
        for name in ANSWER_FIELDS:
            getattr(self, name).data = getattr(draft.review, name, None) or ""

    def answers(self) -> ReviewAnswers:
        return ReviewAnswers(**{name: getattr(self, name).data for name in ANSWER_FIELDS})

    def next_targets(self) -> Targets | None:
        return None


class ReviewWithTargetsForm(ReviewForm, TargetFields):
    """The review of this week (or of last week, on a Monday), ending with next week's
    targets."""

    sets_next_week = True

    def fill(self, draft: ReviewDraft) -> None:
        """Show the review so far and the targets next week starts from."""
        super().fill(draft)
        assert draft.next_targets is not None
        self.fill_targets(draft.next_targets)

    def next_targets(self) -> Targets | None:
        return self.targets()


def review_form_for(draft: ReviewDraft, *, fill: bool) -> ReviewForm:
    """The review form for `draft`'s week, with next week's targets when it sets them;
    `fill` shows what is saved (on a GET)."""
    form_class = ReviewWithTargetsForm if draft.next_targets is not None else ReviewForm
    form = form_class()
    if fill:
        form.fill(draft)
    return form
