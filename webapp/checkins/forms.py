"""Forms for check-ins. Each builds the `CheckinInput` its service takes."""

from __future__ import annotations

import uuid
from datetime import datetime

from flask import request
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    HiddenField,
    IntegerField,
    RadioField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.checkins.feelings import EMOTIONS, ENERGY, MOODS, NOTE_MAX
from webapp.checkins.services import CheckinInput
from webapp.forms import options
from webapp.models import MoodCheckin


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


def parse_client_time(value: str | None) -> datetime | None:
    """The phone's ISO 8601 time of a check-in; None when missing, unreadable or naive."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


class NewCheckinForm(FlaskForm):
    """A form that makes a new check-in, with the id the phone (or the server) gave it."""

    client_uuid = HiddenField(default=new_client_uuid, validators=[_valid_uuid])

    def refused(self, reason: str, field: Field | None = None) -> NewCheckinForm:
        """Show why the check-in wasn't saved, and give the form a new id: the next try is
        a new check-in, not a replay of the refused one."""
        (field or self.client_uuid).errors.append(reason)
        self.client_uuid.data = new_client_uuid()
        return self


class EmotionsField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


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

    def fill_details(self, checkin: MoodCheckin) -> None:
        """Show what the check-in holds now."""
        self.energy.data = str(checkin.energy) if checkin.energy else None
        self.emotions.data = checkin.emotion_keys
        self.note.data = checkin.note or ""

    def _details(self) -> dict:
        energy = self.energy.data
        return {
            "energy": int(energy) if energy not in (None, "", "None") else None,
            "emotions": tuple(self.emotions.data or ()),
            "note": (self.note.data or "").strip() or None,
        }


class QuickCheckinForm(NewCheckinForm):
    """The one-tap mood check-in on Today. The mood comes from the button tapped."""

    mood = IntegerField(
        "Mood",
        validators=[
            InputRequired("Tap a mood."),
            NumberRange(1, 5, "Mood is a number from 1 to 5."),
        ],
    )
    client_created_at = HiddenField()

    def validate_client_uuid(self, field: HiddenField) -> None:
        # app.js sends the id as an Idempotency-Key header as well (OFF-01): when it does,
        # the two must name the same check-in.
        key = request.headers.get("Idempotency-Key")
        if key is not None and key.strip().lower() != field.data:
            raise ValidationError("The check-in id and its Idempotency-Key differ.")

    def checkin_input(self) -> CheckinInput:
        return CheckinInput(
            mood=self.mood.data, client_created_at=parse_client_time(self.client_created_at.data)
        )


class DetailsForm(DetailFields):
    """Adding energy, feelings and a note to a check-in just made."""

    def checkin_input(self, checkin: MoodCheckin) -> CheckinInput:
        """The check-in with these details; its mood and day stay."""
        return CheckinInput(mood=checkin.mood, day=checkin.local_date, **self._details())


class CheckinForm(DetailFields, NewCheckinForm):
    """A whole check-in: for editing, and for adding one to an earlier day."""

    mood = RadioField(
        "Mood",
        choices=options(MOODS),
        validators=[InputRequired("Choose a mood.")],
        validate_choice=False,
    )
    day = DateField("Day", validators=[InputRequired("Choose a day.")])

    def validate_mood(self, field: RadioField) -> None:
        if field.data not in {str(k) for k in MOODS}:
            raise ValidationError("Mood is a number from 1 to 5.")

    def fill(self, checkin: MoodCheckin) -> None:
        """Show the whole check-in as it is now."""
        self.fill_details(checkin)
        self.mood.data = str(checkin.mood)
        self.day.data = checkin.local_date

    def checkin_input(self) -> CheckinInput:
        return CheckinInput(mood=int(self.mood.data), day=self.day.data, **self._details())
