"""Forms and form pieces that belong to no one domain."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectChoice


class ConfirmForm(FlaskForm):
    """A button that changes something and carries only the CSRF token."""


def options(choices: dict) -> list[SelectChoice]:
    """WTForms choices from a {value: label} mapping, values as strings."""
    return [SelectChoice(str(value), label) for value, label in choices.items()]
