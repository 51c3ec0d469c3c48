"""The reminder settings form; it builds the ReminderSettings its service takes."""

from __future__ import annotations

from datetime import time

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectMultipleField, TimeField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.forms import options
from webapp.reminders.services import WEEKDAYS, ReminderSettings


class DaysField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LocalTimeField(TimeField):
    """A time of day; one that can't be read is told in plain words."""

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError("Choose a time, like 09:00.") from error


class ReminderForm(FlaskForm):
    on = BooleanField("Remind me to check in")
    at = LocalTimeField(
        "At what time",
        description="On your own clock, in the time zone set under Name and time zone.",
        validators=[InputRequired("Choose a time, like 09:00.")],
        format=["%H:%M", "%H:%M:%S"],
    )
    days = DaysField(
        "On these days",
        choices=options(dict(enumerate(WEEKDAYS))),
        coerce=int,
        invalid_choice_message="Choose days from Monday to Sunday.",
    )

    def fill(self, settings: ReminderSettings) -> None:
        self.on.data = settings.on
        self.at.data = settings.at
        self.days.data = sorted(settings.days)

    def settings(self) -> ReminderSettings:
        at: time = self.at.data
        return ReminderSettings(on=bool(self.on.data), at=at.replace(second=0, microsecond=0),
                                days=frozenset(self.days.data or ()))
