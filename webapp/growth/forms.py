"""Forms for Growth. Each builds the typed input its service takes."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from webapp.forms import options
from webapp.growth.services import (
    NOTES_MAX,
    PROVIDER_MAX,
    QUESTION_MAX,
    RATINGS,
    SKILL_NAME_MAX,
    STATUS_LABELS,
    STATUS_ORDER,
    SkillInput,
)
from webapp.models import Skill

PROGRESS_MESSAGE = "Progress is a whole number from 0 to 100."


class WholeNumberField(IntegerField):
    """A number field whose complaint about letters is in our words, not WTForms'."""

    def __init__(self, *args, not_a_number: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.not_a_number = not_a_number

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.not_a_number) from error


class DayField(DateField):
    """A date field whose complaint about something that isn't a date is in our words."""

    def __init__(self, *args, not_a_date: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.not_a_date = not_a_date

    def process_formdata(self, valuelist: list) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(self.not_a_date) from error


def progress_field(label: str, *validators) -> WholeNumberField:
    return WholeNumberField(
        label,
        validators=[*validators, NumberRange(0, 100, PROGRESS_MESSAGE)],
        not_a_number=PROGRESS_MESSAGE,
        render_kw={"min": 0, "max": 100, "step": 1, "inputmode": "numeric"},
    )


class SkillForm(FlaskForm):
    name = StringField(
        "Skill or course",
        validators=[DataRequired("Give the skill or course a name."),
                    Length(max=SKILL_NAME_MAX,
                           message=f"Keep the name to {SKILL_NAME_MAX} characters.")],
        render_kw={"maxlength": SKILL_NAME_MAX, "autocomplete": "off"},
    )
    provider = StringField(
        "Where you're learning it (optional)",
        description="A platform, a workshop, a book, a mentor, a volunteer project.",
        validators=[Optional(), Length(max=PROVIDER_MAX,
                                       message=f"Keep this to {PROVIDER_MAX} characters.")],
        render_kw={"maxlength": PROVIDER_MAX, "autocomplete": "off"},
    )
    status = RadioField(
        "Where you are with it",
        choices=options({s: STATUS_LABELS[s] for s in ("planned", "active", "done")}),
        default="planned",
        validators=[InputRequired("Choose where you are with it.")],
        validate_choice=False,
    )
    progress = progress_field("Progress, in percent (optional)", Optional())
    notes = TextAreaField(
        "Notes (optional)",
        validators=[Length(max=NOTES_MAX, message=f"Keep the notes to {NOTES_MAX} characters.")],
        render_kw={"maxlength": NOTES_MAX, "rows": 3},
    )

    def validate_status(self, field: RadioField) -> None:
        if field.data not in STATUS_ORDER:
            raise ValidationError("Choose where you are with it.")

    def skill_input(self) -> SkillInput:
        return SkillInput(
            name=self.name.data or "",
            provider=self.provider.data,
            status=self.status.data,
            progress=self.progress.data or 0,
            notes=self.notes.data,
        )

    def fill(self, skill: Skill) -> None:
        """Show the skill as it is now."""
        self.name.data, self.provider.data = skill.name, skill.provider
        self.status.data, self.progress.data, self.notes.data = (
            skill.status, skill.progress, skill.notes
        )


class ProgressForm(FlaskForm):
    """The quick progress update on a skill's card."""

    progress = progress_field("Progress, in percent", InputRequired(PROGRESS_MESSAGE))


class QuestionForm(FlaskForm):
    question = TextAreaField(
        "Question",
        validators=[DataRequired("Write the question you'd like to practise."),
                    Length(max=QUESTION_MAX,
                           message=f"Keep the question to {QUESTION_MAX} characters.")],
        render_kw={"maxlength": QUESTION_MAX, "rows": 2},
    )


class PracticeForm(FlaskForm):
    rating = RadioField(
        "How did it go?",
        choices=options({value: f"{value} · {word}" for value, word in RATINGS.items()}),
        validators=[InputRequired("Choose how it went, from 1 to 5.")],
        validate_choice=False,
    )
    practised_on = DayField(
        "Day you practised",
        validators=[InputRequired("Choose the day you practised.")],
        not_a_date="Choose the day you practised.",
    )

    def __init__(self, *args, today: date, **kwargs) -> None:
        # A fresh form says "today"; the browser's date picker stops there too.
        super().__init__(*args, practised_on=today, **kwargs)
        self.practised_on.render_kw = {"min": "2000-01-01", "max": today.isoformat()}

    def validate_rating(self, field: RadioField) -> None:
        if field.data not in {str(value) for value in RATINGS}:
            raise ValidationError("Choose how it went, from 1 to 5.")
