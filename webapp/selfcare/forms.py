"""Forms for self-care habits."""

from __future__ import annotations

from datetime import date, timedelta

from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from webapp.forms import options
from webapp.selfcare.services import HABIT_NAME_MAX


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

    # Sent only by the offline outbox: the day the tap was made, which may be a day or more
    # before it reaches the server. Pages leave it out and mean today.
    day = DateField("Day", validators=[Optional()])

    @property
    def is_done(self) -> bool:
        return self.done.data == "1"

    def day_for(self, today: date) -> date | None:
        """The day this tap is for: today, or the earlier day the outbox names (up to 30
        days back, as for check-ins); None for a day outside that."""
        day = self.day.data or today
        return day if today - timedelta(days=30) <= day <= today else None
