"""Forms for signing up, signing in and passwords."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, InputRequired, Length, ValidationError

from webapp.auth.passwords import MAX_LENGTH, MIN_LENGTH, password_problem
from webapp.timezones import is_valid_timezone


def email_field(label: str = "Email", required: str = "Enter your email.") -> EmailField:
    return EmailField(
        label,
        validators=[DataRequired(required), Email("Check the email address."), Length(max=254)],
        render_kw={"autocomplete": "email", "inputmode": "email"},
    )


def current_password_field(label: str, required: str) -> PasswordField:
    return PasswordField(
        label,
        validators=[DataRequired(required), Length(max=MAX_LENGTH)],
        render_kw={"autocomplete": "current-password"},
    )


def new_password_field(label: str = "Password") -> PasswordField:
    return PasswordField(
        label,
        validators=[InputRequired(), Length(max=MAX_LENGTH)],
        description=f"At least {MIN_LENGTH} characters. A few words you'll remember work well.",
        render_kw={"autocomplete": "new-password", "minlength": MIN_LENGTH},
    )


class RegisterForm(FlaskForm):
    display_name = StringField(
        "What should we call you?",
        validators=[DataRequired("Tell us a name to greet you by."), Length(max=60)],
        render_kw={"autocomplete": "nickname"},
    )
    email = email_field()
    password = new_password_field()
    # Filled in from the browser by app.js; UTC when JS is off (changeable in Account).
    timezone = HiddenField("Time zone", default="UTC")
    consent = BooleanField(
        "I agree that Onward stores my moods, self-care and notes so it can show them back "
        "to me. I can export or delete them at any time.",
        validators=[DataRequired("We need your agreement to keep your check-ins.")],
    )

    def validate_timezone(self, field: HiddenField) -> None:
        if not is_valid_timezone(field.data or ""):
            field.data = "UTC"

    def account_details(self) -> dict[str, str]:
        """What `register_user` takes, from the form."""
        return {
            "email": self.email.data,
            "display_name": self.display_name.data,
            "password": self.password.data,
            "timezone": self.timezone.data,
        }

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(
            field.data or "",
            personal=(self.display_name.data or "", (self.email.data or "").split("@")[0]),
        )
        if problem:
            raise ValidationError(problem)


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email."), Length(max=254)],
        render_kw={"autocomplete": "username", "inputmode": "email"},
    )
    password = current_password_field("Password", "Enter your password.")
    remember = BooleanField("Keep me signed in on this device for 30 days")


class ForgotPasswordForm(FlaskForm):
    email = email_field()


class ResetPasswordForm(FlaskForm):
    password = new_password_field("New password")
    confirm = PasswordField(
        "New password, again",
        validators=[InputRequired(), EqualTo("password", "The two passwords don't match.")],
        render_kw={"autocomplete": "new-password"},
    )

    def validate_password(self, field: PasswordField) -> None:
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class ReauthForm(FlaskForm):
    password = current_password_field("Password", "Enter your password.")
