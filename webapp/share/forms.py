"""Forms for share links (the owner's) and for a mentor's note."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from webapp.forms import options
from webapp.models import ShareLink
from webapp.share.cards import CARDS, default_cards
from webapp.share.services import (
    DEFAULT_DAYS,
    LABEL_MAX,
    MAX_DAYS,
    NAME_MAX,
    NOTE_MAX,
    Choice,
)

DAYS_MESSAGE = f"Choose a number of days from 1 to {MAX_DAYS}."


def days_field(label: str) -> IntegerField:
    return IntegerField(
        label, default=DEFAULT_DAYS,
        validators=[InputRequired(DAYS_MESSAGE), NumberRange(1, MAX_DAYS, DAYS_MESSAGE)],
        render_kw={"min": 1, "max": MAX_DAYS, "inputmode": "numeric"},
    )


class CardsForm(FlaskForm):
    """Which cards a link shows. The template draws each card's checkbox with what it shows."""

    cards = SelectMultipleField(
        "What it shows", choices=options({key: card.title for key, card in CARDS.items()})
    )
    show_company_names = BooleanField("Show company names in the applications card")

    def fill_from(self, link: ShareLink) -> None:
        self.cards.data = list(link.cards)
        self.show_company_names.data = link.show_company_names

    def choice(self) -> Choice:
        return Choice(tuple(self.cards.data or ()), bool(self.show_company_names.data))


class LinkForm(CardsForm):
    label = StringField(
        "Who is it for?",
        validators=[InputRequired("Say who the link is for."), Length(max=LABEL_MAX)],
        description='For example "for Sam, my mentor". Only you see this.',
    )
    days = days_field("Open for how many days?")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_submitted():
            # Mood stays off unless the user ticks it (its card is off by default).
            self.cards.data = default_cards()


class RenewForm(FlaskForm):
    days = days_field("Days to keep it open, from today")


class MentorNoteForm(FlaskForm):
    """A mentor's note: plain text, never read as HTML."""

    author_name = StringField(
        "Your name (optional)", validators=[Optional(), Length(max=NAME_MAX)],
        render_kw={"autocomplete": "name"},
    )
    body = TextAreaField(
        "A few words of encouragement",
        validators=[InputRequired("Write a few words first."),
                    Length(max=NOTE_MAX, message=f"Keep the note to {NOTE_MAX} characters.")],
        render_kw={"maxlength": NOTE_MAX, "rows": 4},
    )
