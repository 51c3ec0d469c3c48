"""Forms for applications, the rejection flow and feedback. Each builds the typed input its
service takes; the services check the rules again, and their problems come back to the
field they are about (`refuse`)."""

from __future__ import annotations

from datetime import date

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)
from wtforms.widgets import CheckboxInput, ListWidget

from webapp.applications import feedback as feedback_rules
from webapp.applications import flow
from webapp.applications import services as rules
from webapp.applications.services import ApplicationInput, ApplicationProblem
from webapp.applications.words import (
    EXCITEMENT,
    NEXT_ACTIONS,
    OUTSIDE_REASONS,
    REACHED_LABELS,
    STAGE_LABELS,
    THINKING_TRAPS,
)
from webapp.forms import options, refuse
from webapp.models import Application, ThoughtRecord
from webapp.models.search import PIPELINE
from webapp.timezones import local_day

YES_NO = {"yes": "Yes", "no": "No", "unsure": "Not sure"}
# Room for the most questions the service takes at once, each at its longest, one a line.
QUESTIONS_TEXT_MAX = feedback_rules.QUESTIONS_MAX * (feedback_rules.QUESTION_MAX + 1)


def _length(limit: int, what: str) -> Length:
    return Length(max=limit, message=f"Keep the {what} to {limit} characters.")


def _area(label: str, limit: int, rows: int = 3, **kwargs) -> TextAreaField:
    return TextAreaField(
        label, validators=[Length(max=limit, message=f"Keep this to {limit} characters.")],
        render_kw={"maxlength": limit, "rows": rows}, **kwargs,
    )


class DayField(DateField):
    """A calendar day (a date picker on phones), with our own words when it can't be read."""

    def __init__(self, label: str, validators=None, **kwargs) -> None:
        super().__init__(
            label, validators, invalid_value_message="Pick a day from the calendar.", **kwargs
        )


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _belief(label: str) -> IntegerField:
    return IntegerField(
        label,
        validators=[Optional(), NumberRange(0, 100, "A number from 0 (not at all) to 100 "
                                                    "(completely).")],
        invalid_value_message="A number from 0 to 100.",
        render_kw={"min": 0, "max": 100, "step": 5, "inputmode": "numeric"},
    )


def _yes_no(value: bool | None) -> str:
    return "unsure" if value is None else "yes" if value else "no"


class ServiceForm(FlaskForm):
    """A form whose service may still refuse it: the refusal shows at its field."""

    def refuse(self, problem: ApplicationProblem) -> None:
        refuse(self, problem)


class ApplicationForm(ServiceForm):
    """What the user notes about an application. Only company and role are needed, so the
    quick add on the list sends just those two to the same form."""

    company = StringField(
        "Company", validators=[DataRequired("Which company is it?"),
                               _length(rules.COMPANY_MAX, "company name")],
        render_kw={"maxlength": rules.COMPANY_MAX, "autocomplete": "organization"},
    )
    role = StringField(
        "Role", validators=[DataRequired("What's the role called?"),
                            _length(rules.ROLE_MAX, "role")],
        render_kw={"maxlength": rules.ROLE_MAX, "autocomplete": "off"},
    )
    applied_on = DayField("Day you applied", validators=[Optional()])
    link = URLField(
        "Link to the job ad", validators=[Optional(), _length(rules.LINK_MAX, "link")],
        render_kw={"maxlength": rules.LINK_MAX, "inputmode": "url"},
    )
    salary = StringField(
        "Salary range", validators=[_length(rules.SALARY_MAX, "salary range")],
        description="In your own words, like “£40–45k” or “$60 an hour”.",
        render_kw={"maxlength": rules.SALARY_MAX, "autocomplete": "off"},
    )
    location = StringField(
        "Location", validators=[_length(rules.LOCATION_MAX, "location")],
        render_kw={"maxlength": rules.LOCATION_MAX, "autocomplete": "off"},
    )
    contact_name = StringField(
        "Contact's name", validators=[_length(rules.CONTACT_NAME_MAX, "name")],
        description="The recruiter or interviewer, if you know them.",
        render_kw={"maxlength": rules.CONTACT_NAME_MAX, "autocomplete": "off"},
    )
    contact_email = EmailField(
        "Contact's email",
        validators=[Optional(), _length(rules.EMAIL_MAX, "email"),
                    Email("That email address doesn't look complete.")],
        render_kw={"maxlength": rules.EMAIL_MAX, "autocomplete": "off"},
    )
    excitement = RadioField(
        "How excited are you about it?", choices=options(EXCITEMENT), validators=[Optional()]
    )
    resume_tailored = RadioField(
        "Résumé tailored to this role?", choices=options(YES_NO), validators=[Optional()]
    )
    cover_letter_tailored = RadioField(
        "Cover letter tailored to this role?", choices=options(YES_NO), validators=[Optional()]
    )
    notes = TextAreaField(
        "Notes", validators=[Length(max=rules.NOTES_MAX,
                                    message=f"Keep the notes to {rules.NOTES_MAX} characters.")],
        render_kw={"maxlength": rules.NOTES_MAX, "rows": 4},
    )

    def validate_link(self, field: URLField) -> None:
        if field.data and not rules.is_web_link(field.data.strip()):
            raise ValidationError("A link starts with http:// or https://.")

    def fill(self, application: Application) -> None:
        """Show the application as it is now."""
        for name in ("company", "role", "applied_on", "link", "salary", "location",
                     "contact_name", "contact_email", "notes"):
            getattr(self, name).data = getattr(application, name)
        self.excitement.data = str(application.excitement) if application.excitement else None
        self.resume_tailored.data = _yes_no(application.resume_tailored)
        self.cover_letter_tailored.data = _yes_no(application.cover_letter_tailored)

    def application_input(self) -> ApplicationInput:
        def yes_no(value: str | None) -> bool | None:
            return {"yes": True, "no": False}.get(value or "")

        return ApplicationInput(
            company=self.company.data or "",
            role=self.role.data or "",
            link=(self.link.data or "").strip() or None,
            applied_on=self.applied_on.data,
            salary=self.salary.data,
            location=self.location.data,
            contact_name=self.contact_name.data,
            contact_email=(self.contact_email.data or "").strip() or None,
            excitement=int(self.excitement.data) if self.excitement.data else None,
            resume_tailored=yes_no(self.resume_tailored.data),
            cover_letter_tailored=yes_no(self.cover_letter_tailored.data),
            notes=self.notes.data,
        )


class NewApplicationForm(ApplicationForm):
    """A new application, which also says where it stands: applied, or saved for later."""

    stage = RadioField(
        "Where is it now?",
        choices=options({"applied": "I've applied", "saved": "Saved for later"}),
        default="applied", validators=[Optional()],
    )

    @property
    def chosen_stage(self) -> str:
        return self.stage.data or "applied"


class StageForm(ServiceForm):
    """Move an application to another stage, on a day (today unless back-dated)."""

    stage = SelectField("Move it to", choices=options(STAGE_LABELS),
                        validate_choice=True)
    day = DayField("On", validators=[InputRequired("Pick the day it happened.")])

    def suggest(self, application: Application, today: date) -> None:
        """The next stage along the pipeline (or "rejected" at its end), today."""
        rank = PIPELINE.index(application.stage) if application.stage in PIPELINE else None
        following = PIPELINE[rank + 1] if rank is not None and rank + 1 < len(PIPELINE) else None
        self.stage.data = following or "rejected"
        self.day.data = today


class DeleteForm(FlaskForm):
    with_reflections = BooleanField("Also delete my reflections on it")


class HappenedForm(ServiceForm):
    """Step 1 of the rejection flow: how far it got, and the day the no came."""

    stage_reached = RadioField(
        "How far did it get?", choices=options(REACHED_LABELS), validators=[Optional()]
    )
    day = DayField("When did you hear?", validators=[InputRequired("Pick the day you heard.")])

    def suggest(self, application: Application, tz_name: str, today: date) -> None:
        """How far it is on record, and the day of its no (today if it has none yet)."""
        self.stage_reached.data = PIPELINE[max(application.reached, 1)]
        self.day.data = (
            local_day(application.stage_changed_at, tz_name)
            if application.stage == "rejected" else today
        )

    def fill(self, record: ThoughtRecord) -> None:
        self.stage_reached.data = record.stage_reached
        self.day.data = record.rejected_on

    def step_input(self) -> flow.Happened:
        return flow.Happened(stage_reached=self.stage_reached.data or None, day=self.day.data)


NEW_ONE = "new"


class NewRejectionForm(HappenedForm):
    """"I got a rejection" from Today: one of the user's applications, or a new one."""

    application = SelectField("Which application?", choices=[SelectChoice(NEW_ONE, "")])
    company = StringField(
        "Company", validators=[_length(rules.COMPANY_MAX, "company name")],
        render_kw={"maxlength": rules.COMPANY_MAX, "autocomplete": "organization"},
    )
    role = StringField(
        "Role", validators=[_length(rules.ROLE_MAX, "role")],
        render_kw={"maxlength": rules.ROLE_MAX, "autocomplete": "off"},
    )

    def offer(self, applications: list[Application]) -> None:
        """The applications to choose from, most recently moved first."""
        self.application.choices = [SelectChoice(NEW_ONE, "One that isn't in Onward yet")] + [
            SelectChoice(str(a.id), f"{a.role} at {a.company}") for a in applications
        ]
        if self.application.data is None:
            self.application.data = NEW_ONE

    def validate_company(self, field: StringField) -> None:
        if self.application.data == NEW_ONE and not (field.data or "").strip():
            raise ValidationError("Which company was it?")

    def validate_role(self, field: StringField) -> None:
        if self.application.data == NEW_ONE and not (field.data or "").strip():
            raise ValidationError("What was the role called?")

    @property
    def chosen_id(self) -> int | None:
        return None if self.application.data == NEW_ONE else int(self.application.data)


class NotPersonalForm(ServiceForm):
    reasons = CheckboxesField(
        "Reasons", choices=options({r.key: r.label for r in OUTSIDE_REASONS}),
        invalid_choice_message="Pick from the list.",
    )

    def fill(self, record: ThoughtRecord) -> None:
        self.reasons.data = list(record.outside_reasons or [])

    def step_input(self) -> tuple[str, ...]:
        return tuple(self.reasons.data or ())


class ThoughtForm(ServiceForm):
    thought = _area("What went through your mind?", flow.TEXT_MAX)
    belief_before = _belief("How much do you believe it, from 0 to 100?")
    traps = CheckboxesField(
        "Thinking traps", choices=options({t.key: t.label for t in THINKING_TRAPS}),
        invalid_choice_message="Pick from the list.",
    )

    def fill(self, record: ThoughtRecord) -> None:
        self.thought.data = record.thought
        self.belief_before.data = record.belief_before
        self.traps.data = list(record.thinking_traps or [])

    def step_input(self) -> flow.ThoughtInput:
        return flow.ThoughtInput(
            thought=self.thought.data, belief_before=self.belief_before.data,
            traps=tuple(self.traps.data or ()),
        )


class ReframeForm(ServiceForm):
    # The suggestions come from the user's own record; the service checks the keys.
    picked = CheckboxesField("From your own record", choices=[], validate_choice=False)
    evidence = _area("Evidence against the thought", flow.TEXT_MAX, rows=4)
    balanced = _area("A kinder, more balanced thought", flow.TEXT_MAX)

    def fill(self, record: ThoughtRecord) -> None:
        self.evidence.data = record.evidence_against
        self.balanced.data = record.balanced_thought

    def step_input(self) -> flow.ReframeInput:
        return flow.ReframeInput(
            evidence=self.evidence.data, picked=tuple(self.picked.data or ()),
            balanced=self.balanced.data,
        )


class LessonForm(ServiceForm):
    lesson = _area("What can this teach you?", flow.TEXT_MAX)
    redirect = _area("What might it be pointing you toward?", flow.TEXT_MAX)
    belief_after = _belief("How much do you believe the first thought now, from 0 to 100?")

    def fill(self, record: ThoughtRecord) -> None:
        self.lesson.data = record.lesson
        self.redirect.data = record.redirect
        self.belief_after.data = record.belief_after

    def step_input(self) -> flow.LessonInput:
        return flow.LessonInput(
            lesson=self.lesson.data, redirect=self.redirect.data,
            belief_after=self.belief_after.data,
        )


class AskedForm(ServiceForm):
    """Step 4: "I've sent it": the request for feedback went out today."""

    def fill(self, record: ThoughtRecord) -> None:
        """Nothing to show: the draft comes from the application."""

    def step_input(self) -> None:
        return None


class ForwardForm(ServiceForm):
    next_action = RadioField(
        "Your next step", choices=options(NEXT_ACTIONS), validators=[Optional()]
    )

    def fill(self, record: ThoughtRecord) -> None:
        self.next_action.data = record.next_action

    def step_input(self) -> str | None:
        return self.next_action.data or None


class FeedbackForm(ServiceForm):
    """What came of asking for feedback."""

    requested_on = DayField("Asked on", validators=[Optional()])
    received_on = DayField("Answer came on", validators=[Optional()])
    feedback = TextAreaField(
        "What they said",
        validators=[Length(max=feedback_rules.FEEDBACK_MAX,
                           message=f"Keep the feedback to {feedback_rules.FEEDBACK_MAX} "
                                   "characters.")],
        render_kw={"maxlength": feedback_rules.FEEDBACK_MAX, "rows": 5},
    )
    skills = StringField(
        "Skills to work on",
        validators=[Length(max=1300, message="That's a lot of skills; keep it to ten or so.")],
        description="Separate them with commas, like “SQL, telling stories about my work”. "
                    "They show up in Growth.",
        render_kw={"maxlength": 1300, "autocomplete": "off"},
    )
    questions = TextAreaField(
        "Questions to practise",
        validators=[Length(max=QUESTIONS_TEXT_MAX,
                           message="That's a lot of questions; add up to twenty at a time.")],
        description="One a line: questions they asked, or said to prepare for. They go to "
                    "your interview practice in Growth.",
        render_kw={"maxlength": QUESTIONS_TEXT_MAX, "rows": 3},
    )

    def fill(self, application: Application) -> None:
        self.requested_on.data = application.feedback_requested_on
        self.received_on.data = application.feedback_received_on
        self.feedback.data = application.feedback
        self.skills.data = feedback_rules.skill_names(application)

    def feedback_input(self) -> feedback_rules.FeedbackInput:
        return feedback_rules.FeedbackInput(
            requested_on=self.requested_on.data, received_on=self.received_on.data,
            feedback=self.feedback.data, skills=feedback_rules.parse_skills(self.skills.data),
            questions=feedback_rules.parse_questions(self.questions.data),
        )
