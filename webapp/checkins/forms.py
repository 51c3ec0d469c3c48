"""Forms for check-ins and self-care."""

from __future__ import annotations

import uuid

from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.checkins.feelings import EMOTIONS, ENERGY, HABIT_NAME_MAX, MOODS, NOTE_MAX


def new_client_uuid() -> str:
    """The id a check-in form carries when the browser does not make one (no JS)."""
    return str(uuid.uuid4())


def _valid_uuid(form: FlaskForm, field: HiddenField) -> None:
    try:
        field.data = str(uuid.UUID(field.data or ""))
    except ValueError as exc:
        raise ValidationError(
            "The check-in id is malformed; reload the page and try again."
        ) from exc


class EmotionsField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def options(choices: dict) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in choices.items()]


class DetailFields(FlaskForm):
    """The optional part of a check-in: energy, feelings and a note."""

    energy = RadioField(
        "Energy", choices=options(ENERGY), validators=[Optional()], validate_choice=False
    )
    emotions = EmotionsField(
        "Feelings",
        choices=options({e.key: e.label for e in EMOTIONS}),
        invalid_choice_message="Pick feelings from the list.",
    )
    note = TextAreaField(
        "Note",
        validators=[Length(max=NOTE_MAX, message=f"Keep the note to {NOTE_MAX} characters.")],
        render_kw={"maxlength": NOTE_MAX, "rows": 3},
    )

    def validate_energy(self, field: RadioField) -> None:
        if field.data not in (None, "", "None") and field.data not in {str(k) for k in ENERGY}:
            raise ValidationError("Energy is a number from 1 to 5.")

    @property
    def energy_value(self) -> int | None:
        return int(self.energy.data) if self.energy.data not in (None, "", "None") else None

    @property
    def note_value(self) -> str | None:
        return (self.note.data or "").strip() or None


class QuickCheckinForm(FlaskForm):
    """The one-tap mood check-in on Today. The mood comes from the button tapped."""

    mood = IntegerField(
        "Mood",
        validators=[
            InputRequired("Tap a mood."),
            NumberRange(1, 5, "Mood is a number from 1 to 5."),
        ],
    )
    client_uuid = HiddenField(default=new_client_uuid, validators=[_valid_uuid])
    client_created_at = HiddenField()


class DetailsForm(DetailFields):
    """Adding energy, feelings and a note to a check-in just made."""


class CheckinForm(DetailFields):
    """A whole check-in: for editing, and for adding one to an earlier day."""

    mood = RadioField(
        "Mood",
        choices=options(MOODS),
        validators=[InputRequired("Choose a mood.")],
        validate_choice=False,
    )
    day = DateField("Day", validators=[InputRequired("Choose a day.")])
    client_uuid = HiddenField(default=new_client_uuid, validators=[_valid_uuid])

    def validate_mood(self, field: RadioField) -> None:
        if field.data not in {str(k) for k in MOODS}:
            raise ValidationError("Mood is a number from 1 to 5.")


class HabitForm(FlaskForm):
    name = StringField(
        "Habit name",
        validators=[DataRequired("Give the habit a name."), Length(max=HABIT_NAME_MAX)],
        render_kw={"maxlength": HABIT_NAME_MAX, "autocomplete": "off"},
    )


class HabitDoneForm(FlaskForm):
    done = RadioField(
        "Done", choices=options({"1": "done", "0": "not done"}), validators=[InputRequired()]
    )


class ConfirmForm(FlaskForm):
    """A button that changes something and carries only the CSRF token."""
