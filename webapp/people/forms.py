"""Forms for People. Each builds the typed input its service takes."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    Length,
    Optional,
    ValidationError,
)

from webapp.forms import options
from webapp.growth.forms import DayField
from webapp.models import Contact
from webapp.people.services import (
    HOW_TO_REACH_MAX,
    NAME_MAX,
    NOTES_MAX,
    NUDGE_CHOICES,
    RELATION_LABELS,
    ContactInput,
)

NUDGE_LABELS = {7: "After about a week", 14: "After two weeks", 30: "After a month",
                60: "After two months"}
assert set(NUDGE_LABELS) == set(NUDGE_CHOICES)


def nudge_options(current: int | None = None) -> dict:
    """The nudge choices, with the contact's own number of days when it is not one of them."""
    choices: dict = {"": "No reminder", **NUDGE_LABELS}
    if current and current not in NUDGE_LABELS:
        choices[current] = f"After {current} days"
    return choices


class ContactForm(FlaskForm):
    name = StringField(
        "Name",
        validators=[DataRequired("Give them a name, or a nickname only you know."),
                    Length(max=NAME_MAX, message=f"Keep the name to {NAME_MAX} characters.")],
        render_kw={"maxlength": NAME_MAX, "autocomplete": "off"},
    )
    relation = SelectField(
        "Who they are to you",
        choices=options(RELATION_LABELS),
        default="friend",
        validators=[InputRequired("Choose who they are to you.")],
        validate_choice=False,
    )
    how_to_reach = StringField(
        "How to reach them (optional)",
        description="A phone number, an email, a group's link, “Thursday meet-up”.",
        validators=[Optional(), Length(max=HOW_TO_REACH_MAX,
                                       message=f"Keep this to {HOW_TO_REACH_MAX} characters.")],
        render_kw={"maxlength": HOW_TO_REACH_MAX, "autocomplete": "off"},
    )
    nudge_after_days = SelectField(
        "A gentle reminder to get in touch",
        choices=options(nudge_options()),
        default="",
        validate_choice=False,
    )
    last_contacted_on = DayField(
        "Last in touch (optional)", validators=[Optional()],
        not_a_date="Choose a day, or leave it empty.",
    )
    notes = TextAreaField(
        "Notes (optional)",
        description="What you talked about, what they offered to help with.",
        validators=[Length(max=NOTES_MAX, message=f"Keep the notes to {NOTES_MAX} characters.")],
        render_kw={"maxlength": NOTES_MAX, "rows": 3},
    )

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The browser's date picker stops at the user's today.
        self.last_contacted_on.render_kw = {"min": "2000-01-01", "max": today.isoformat()}

    def validate_relation(self, field: SelectField) -> None:
        if field.data not in RELATION_LABELS:
            raise ValidationError("Choose who they are to you.")

    def validate_nudge_after_days(self, field: SelectField) -> None:
        if field.data and not (field.data.isdigit() and 1 <= int(field.data) <= 365):
            raise ValidationError("Choose when to be reminded.")

    def fill(self, contact: Contact) -> None:
        """Show the contact as it is now, their own reminder included."""
        self.nudge_after_days.choices = options(nudge_options(contact.nudge_after_days))
        self.name.data, self.relation.data = contact.name, contact.relation
        self.how_to_reach.data, self.notes.data = contact.how_to_reach, contact.notes
        self.nudge_after_days.data = str(contact.nudge_after_days or "")
        self.last_contacted_on.data = contact.last_contacted_on

    def contact_input(self) -> ContactInput:
        nudge = self.nudge_after_days.data
        return ContactInput(
            name=self.name.data or "",
            relation=self.relation.data,
            how_to_reach=self.how_to_reach.data,
            notes=self.notes.data,
            nudge_after_days=int(nudge) if nudge else None,
            last_contacted_on=self.last_contacted_on.data,
        )


class ReachedOutForm(FlaskForm):
    """The one tap: which button was pressed says whether it counts as networking."""

    networking = StringField(validators=[Optional(), AnyOf(["0", "1"], "Tap one of the buttons.")])

    @property
    def as_networking(self) -> bool:
        return self.networking.data == "1"
