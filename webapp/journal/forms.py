"""Forms for the journal. Each builds the typed input its service takes."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    StringField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, Optional, ValidationError
from wtforms.widgets import HiddenInput

from webapp.forms import options
from webapp.journal import services
from webapp.journal.kinds import BODY_MAX, DEFAULT_KIND, KIND_LABELS, KINDS, TITLE_MAX
from webapp.models import JournalEntry, User
from webapp.timezones import local_today


class EntryForm(FlaskForm):
    """A new entry, or an edit of one (with the version it started from)."""

    kind = RadioField("What is this about?", choices=options(KIND_LABELS),
                      validators=[InputRequired("Choose what kind of entry this is.")],
                      validate_choice=False)
    title = StringField("Title (optional)", validators=[
        Length(max=TITLE_MAX, message=f"Keep the title to {TITLE_MAX} characters.")],
        render_kw={"maxlength": TITLE_MAX, "autocomplete": "off"})
    body = TextAreaField("Your entry", validators=[
        InputRequired("Write something, even a line."),
        # A little over the service's limit: CRLF newlines count twice until it cleans them.
        Length(max=2 * BODY_MAX, message=f"Keep an entry to {BODY_MAX:,} characters.")],
        render_kw={"maxlength": BODY_MAX, "rows": 10})
    entry_date = DateField("Day", validators=[InputRequired("Choose a day.")])
    share_with_mentor = BooleanField("Share with my mentor")
    version = IntegerField(validators=[Optional()], widget=HiddenInput())

    def validate_kind(self, field: RadioField) -> None:
        if field.data not in KINDS:
            raise ValidationError("Choose what kind of entry this is.")

    def start(self, user: User, kind: str | None) -> None:
        """A fresh form for `kind` (reflection when unknown), dated today, with the
        kind's outline in the body when it has one."""
        kind = kind if kind in KINDS else DEFAULT_KIND
        self.kind.data = kind
        self.entry_date.data = local_today(user.timezone)
        self.body.data = KINDS[kind].outline

    def fill(self, entry: JournalEntry) -> None:
        """Show the entry as it is saved now, with its version."""
        self.kind.data = entry.kind
        self.title.data = entry.title or ""
        self.body.data = entry.body
        self.entry_date.data = entry.entry_date
        self.share_with_mentor.data = entry.share_with_mentor
        self.version.data = entry.version

    def refused(self, problem: services.InvalidEntry) -> None:
        """Show the service's reason next to the field it is about."""
        getattr(self, problem.field, self.body).errors.append(str(problem))

    def conflict(self, saved: JournalEntry) -> None:
        """Keep what the user typed, and move the version to the saved one, so saving
        again (after merging by hand) is a deliberate choice, not an accident."""
        self.version.data = saved.version
        self.version.raw_data = [str(saved.version)]  # the hidden input shows raw_data first

    def entry_input(self) -> services.EntryInput:
        return services.EntryInput(
            kind=self.kind.data, title=self.title.data, body=self.body.data or "",
            entry_date=self.entry_date.data, share_with_mentor=bool(self.share_with_mentor.data),
        )


class SearchForm(FlaskForm):
    """The journal's search and filter, read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = SearchField("Search your journal", validators=[
        Length(max=services.QUERY_MAX, message="Search for fewer words at a time.")])
    kind = StringField(validators=[Optional()])
    before = StringField(validators=[Optional()])

    def validate_kind(self, field: StringField) -> None:
        if field.data and field.data not in KINDS:
            raise ValidationError("There is no such kind of entry.")

    def validate_before(self, field: StringField) -> None:
        try:
            services.read_cursor(field.data, self.q.data or "")
        except services.BadCursor:
            raise ValidationError("That page link doesn't work; start from the top.") from None

    def query(self) -> dict:
        """The arguments of `services.journal_page`."""
        query = (self.q.data or "")[: services.QUERY_MAX]
        return {"query": query, "kind": self.kind.data or None,
                "before": services.read_cursor(self.before.data, query)}

    def problems(self) -> list[str]:
        return [message for errors in self.errors.values() for message in errors]


class OnThisDayForm(FlaskForm):
    """Turn Today's "On this day" card on or off; `back` names the page to return to."""

    show = HiddenField(validators=[InputRequired()])
    back = HiddenField(default="journal")

    def validate_show(self, field: HiddenField) -> None:
        if field.data not in ("on", "off"):
            raise ValidationError("Choose on or off.")
