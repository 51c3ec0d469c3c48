"""Forms for Visualize: the user's why, and how a visualization felt. Each builds the input
its service takes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, RadioField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, ValidationError

from webapp.forms import options
from webapp.models.visualize import SESSION_MINUTES, WHY_REASONS
from webapp.visualize.services import (
    DEFAULT_MINUTES,
    FELT,
    NOTE_MAX,
    OWN_WORDS_MAX,
    REASON_WORDS,
    SessionInput,
    Why,
)


def _reason(key: str) -> BooleanField:
    word, meaning = REASON_WORDS[key]
    return BooleanField(f"{word}: {meaning}")


class WhyForm(FlaskForm):
    """Why the user is looking: reasons to tick and their own words, all optional."""

    growth = _reason("growth")
    stability = _reason("stability")
    passion = _reason("passion")
    own_words = TextAreaField(
        "In your own words",
        description="What would the right job give you? Only you see this.",
        validators=[Length(max=OWN_WORDS_MAX,
                           message=f"Keep your own words to {OWN_WORDS_MAX} characters.")],
        render_kw={"maxlength": OWN_WORDS_MAX, "rows": 4},
    )

    def fill(self, why: Why | None) -> None:
        """Show the why saved so far."""
        for key in WHY_REASONS:
            getattr(self, key).data = why is not None and key in why.reasons
        self.own_words.data = why.own_words if why else ""

    def reasons(self) -> list[str]:
        return [key for key in WHY_REASONS if getattr(self, key).data]


class FeltField(IntegerField):
    """The tapped answer, 1 to 5; anything else is told in plain words, not "Not a valid
    integer value"."""

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Choose how it felt from the five answers.") from error


class SessionForm(FlaskForm):
    """After a visualization: its length, one tap for how it felt, and an optional note.
    The feeling comes from the button tapped."""

    minutes = RadioField(
        "How long",
        choices=options({m: f"{m} minute{'s' if m != 1 else ''}" for m in SESSION_MINUTES}),
        default=str(DEFAULT_MINUTES),
        validators=[InputRequired("Choose 1, 3 or 5 minutes.")],
        validate_choice=False,
    )
    felt = FeltField(
        "How did that feel?",
        validators=[
            InputRequired("Tap how it felt."),
            AnyOf(list(FELT), "Choose how it felt from the five answers."),
        ],
    )
    note = TextAreaField(
        "A note (optional)",
        description="What did you see? Anything you want to remember.",
        validators=[Length(max=NOTE_MAX, message=f"Keep the note to {NOTE_MAX} characters.")],
        render_kw={"maxlength": NOTE_MAX, "rows": 2},
    )

    def validate_minutes(self, field: RadioField) -> None:
        if field.data not in {str(m) for m in SESSION_MINUTES}:
            raise ValidationError("Choose 1, 3 or 5 minutes.")

    def session_input(self) -> SessionInput:
        return SessionInput(minutes=int(self.minutes.data), felt=self.felt.data,
                            note=self.note.data)
