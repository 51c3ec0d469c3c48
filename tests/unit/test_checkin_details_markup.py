"""The check-in's details write their chips' inputs out (macros/forms.html `plain_chips`)
instead of calling WTForms' widget: the markup must stay exactly what the widget makes."""

from __future__ import annotations

import re

import pytest

from webapp import create_app
from webapp.checkins.feelings import EMOTIONS
from webapp.checkins.forms import CheckinForm, DetailFields

INPUT = re.compile(r"<input\b([^>]*)>")
ATTRIBUTE = re.compile(r'([\w-]+)(?:="([^"]*)")?')


def inputs(html: str) -> list[dict[str, str]]:
    """Each <input>'s attributes, whatever their order."""
    return [dict(ATTRIBUTE.findall(found)) for found in INPUT.findall(html)]


@pytest.fixture
def render():
    app = create_app("testing")
    with app.test_request_context("/"):
        macros = app.jinja_env.get_template("macros/forms.html").module
        yield lambda *args: str(macros.plain_chips(*args))


@pytest.mark.parametrize("form_class", [DetailFields, CheckinForm])  # the panel; the full form
@pytest.mark.parametrize("data", [
    {},  # what every check-in answers with
    {"energy": "3", "emotions": [EMOTIONS[0].key, EMOTIONS[-1].key]},  # an edit
])
def test_the_written_out_chips_are_the_widgets_markup(render, form_class, data):
    form = form_class(meta={"csrf": False}, data=data)
    for field, input_type in ((form.energy, "radio"), (form.emotions, "checkbox")):
        written = inputs(render(field, field.label.text, input_type))
        by_widget = [inputs(str(option()))[0] for option in field]
        assert written == by_widget and len(written) == len(list(field))
    checked = [i["value"] for i in inputs(render(form.emotions, "Feelings", "checkbox"))
               if "checked" in i]
    assert checked == data.get("emotions", [])
