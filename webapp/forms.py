"""Forms and form pieces that belong to no one domain, and the one way a view makes a change
a service may still refuse."""

from __future__ import annotations

from collections.abc import Callable

from flask_wtf import FlaskForm
from wtforms import SelectChoice

from webapp.refusals import Refused


class ConfirmForm(FlaskForm):
    """A button that changes something and carries only the CSRF token."""


def options(choices: dict) -> list[SelectChoice]:
    """WTForms choices from a {value: label} mapping, values as strings."""
    return [SelectChoice(str(value), label) for value, label in choices.items()]


def refuse(form: FlaskForm, problem: Refused) -> None:
    """Show a service's refusal at the field it names, or above the form."""
    field = form._fields.get(problem.field or "")
    if field is None:
        form.form_errors.append(str(problem))
    else:
        field.errors = [*field.errors, str(problem)]


def saved(form: FlaskForm, change: Callable[[], object]) -> bool:
    """Validate `form` and make the `change`; a refusal the service raises (`Refused`)
    shows on the form instead. True when the change was made."""
    if not form.validate_on_submit():
        return False
    try:
        change()
    except Refused as problem:
        refuse(form, problem)
        return False
    return True
