"""Forms for the account pages."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from webapp.auth.forms import current_password_field, email_field, new_password_field
from webapp.auth.passwords import password_problem
from webapp.forms import options
from webapp.timezones import all_timezones


class ProfileForm(FlaskForm):
    display_name = StringField(
        "Name we greet you by",
        validators=[DataRequired("Tell us a name to greet you by."), Length(max=60)],
    )
    timezone = SelectField("Time zone", validators=[InputRequired()], validate_choice=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        zones = sorted(all_timezones())
        self.timezone.choices = options({tz: tz.replace("_", " ") for tz in zones})

    def validate_timezone(self, field: SelectField) -> None:
        if field.data not in all_timezones():
            raise ValidationError("Pick a time zone from the list.")


class ChangeEmailForm(FlaskForm):
    email = email_field("New email", "Enter the new email.")
    current_password = current_password_field(
        "Your password", "Enter your password to confirm it's you."
    )


class ChangePasswordForm(FlaskForm):
    current_password = current_password_field("Current password", "Enter your current password.")
    new_password = new_password_field("New password")

    def __init__(self, *args, personal: tuple[str, ...] = (), **kwargs):
        """`personal`: the user's name and email, which the new password must not be."""
        super().__init__(*args, **kwargs)
        self._personal = tuple(word.split("@")[0] for word in personal)

    def validate_new_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "", personal=self._personal)
        if problem:
            raise ValidationError(problem)


class PasskeyNameForm(FlaskForm):
    name = StringField(
        "Name",
        description="Something you'll recognise, like “My phone” or “Work laptop”.",
        validators=[DataRequired("Give the passkey a name."), Length(max=60)],
    )
class ExportForm(FlaskForm):
    kind = SelectField(
        "What kind of file",
        choices=options({"json": "One JSON file (to move to another app, or back here)",
                         "csv": "A zip of spreadsheets (CSV, one per kind of thing)"}),
        default="json",
        validators=[InputRequired()],
    )


class DeleteAccountForm(FlaskForm):
    confirm = StringField(
        'Type "delete" (or your email) to confirm',
        validators=[InputRequired('Type "delete" to confirm.'), Length(max=254)],
        render_kw={"autocomplete": "off", "autocapitalize": "none", "spellcheck": "false"},
    )


class ImportForm(FlaskForm):
    file = FileField(
        "Your Onward export (.json)",
        validators=[FileRequired("Choose the .json file to bring in.")],
        render_kw={"accept": ".json,application/json"},
    )


class DaylioUploadForm(FlaskForm):
    file = FileField(
        "Your Daylio export (.csv)",
        validators=[FileRequired("Choose the .csv file Daylio made.")],
        render_kw={"accept": ".csv,text/csv"},
    )


MOOD_LEVELS = {5: "5, great (like rad)", 4: "4, good", 3: "3, okay (like meh)", 2: "2, low",
               1: "1, very low (like awful)"}


def daylio_confirm_form(custom_moods: list[str]) -> FlaskForm:
    """The preview's confirm button, with a 1-5 choice for each of the file's own moods."""

    class DaylioConfirmForm(FlaskForm):
        def chosen(self) -> dict[str, int]:
            return {mood: int(self[f"mood_{n}"].data) for n, mood in enumerate(custom_moods)}

    for n, mood in enumerate(custom_moods):
        setattr(DaylioConfirmForm, f"mood_{n}", SelectField(
            f'How does "{mood}" feel?', choices=options(MOOD_LEVELS), default="3",
            validators=[InputRequired()]))
    return DaylioConfirmForm()
