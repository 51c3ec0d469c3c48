"""Forms for self-care habits."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

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

    @property
    def is_done(self) -> bool:
        return self.done.data == "1"
