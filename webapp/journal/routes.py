"""The journal: a timeline with search, writing and editing entries, interview questions to
practise, and the switch for Today's "On this day"."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required

from webapp.forms import ConfirmForm
from webapp.htmx import is_htmx
from webapp.journal import services
from webapp.journal.forms import EntryForm, OnThisDayForm, SearchForm
from webapp.journal.kinds import KIND_LABELS, KINDS
from webapp.journal.markup import CARD_FULL_MAX, card, plain_text, render_markdown
from webapp.models import JournalEntry
from webapp.ownership import get_owned_or_404
from webapp.rendering import ask_first, render_form, render_page
from webapp.timezones import local_today

bp = Blueprint("journal", __name__, url_prefix="/journal")
BACK = {"today": "today.index", "journal": "journal.index"}
# What app.js needs to change the prompt when another kind is chosen (no round trip).
PROMPTS = {key: {"prompt": kind.prompt, "hint": kind.hint, "outline": kind.outline}
           for key, kind in KINDS.items()}


@bp.record_once
def _share_the_helpers(state: BlueprintSetupState) -> None:
    """Entries render their Markdown through the sanitiser, on any page (Today too)."""
    state.app.jinja_env.filters.update(journal_markdown=render_markdown, plain_text=plain_text,
                                       journal_card=card)
    state.app.jinja_env.globals.update(JOURNAL_KINDS=KINDS, JOURNAL_KIND_LABELS=KIND_LABELS,
                                       JOURNAL_CARD_FULL_MAX=CARD_FULL_MAX)


def _journal(fragment: str):
    """The timeline or search results as a page, or `fragment` of it for htmx."""
    search = SearchForm(formdata=request.args)
    if not search.validate():
        return render_page("journal/index.html", fragment=fragment, status=422, search=search,
                           page=None, on_this_day=OnThisDayForm())
    return render_page("journal/index.html", fragment=fragment, search=search,
                       page=services.journal_page(current_user, **search.query()),
                       on_this_day=OnThisDayForm())


@bp.get("")
@login_required
def index():
    """The user's journal, newest first; filtered by kind and searched as they type (one
    URL, so a search can be bookmarked and works without JS)."""
    return _journal("journal/partials/results.html")


@bp.get("/more")
@login_required
def more():
    """The next entries after a page link's cursor: what the infinite scroll appends."""
    return _journal("journal/partials/more.html")


def _entry_form(form: EntryForm, entry: JournalEntry | None = None, **context):
    max_day = local_today(current_user.timezone) + services.LATEST_AHEAD
    return render_form("journal/form.html", form, entry=entry, max_day=max_day,
                       prompts=PROMPTS, **context)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Write a new entry; `?kind=` picks the kind and its prompt."""
    form = EntryForm()
    if request.method == "GET":
        form.start(current_user, request.args.get("kind"))
    if form.validate_on_submit():
        try:
            entry = services.create_entry(current_user, form.entry_input())
        except services.InvalidEntry as problem:
            form.refused(problem)
        else:
            flash("Saved to your journal.", "success")
            return redirect(url_for("journal.detail", entry_id=entry.id), code=303)
    return _entry_form(form)


@bp.get("/<id:entry_id>")
@login_required
def detail(entry_id: int):
    """One of the user's entries, in full."""
    entry = get_owned_or_404(JournalEntry, entry_id)
    return render_page("journal/detail.html", entry=entry, confirm=ConfirmForm(),
                       questions=services.interview_questions(entry))


@bp.route("/<id:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit(entry_id: int):
    """Change an entry. Saved elsewhere in the meantime: 409, with both texts (OFF-10)."""
    entry = get_owned_or_404(JournalEntry, entry_id)
    form = EntryForm()
    if request.method == "GET":
        form.fill(entry)
    if form.validate_on_submit():
        try:
            services.update_entry(current_user, entry, form.entry_input(),
                                  version=form.version.data or 0)
        except services.InvalidEntry as problem:
            form.refused(problem)
        except services.EntryChanged as changed:
            form.conflict(changed.saved)
            return _entry_form(form, entry, saved=changed.saved, status=409)
        else:
            flash("Entry updated.", "success")
            return redirect(url_for("journal.detail", entry_id=entry.id), code=303)
    return _entry_form(form, entry)


@bp.route("/<id:entry_id>/delete", methods=["GET", "POST"])
@login_required
def delete(entry_id: int):
    """Ask, then delete one of the user's entries for good."""
    entry = get_owned_or_404(JournalEntry, entry_id)
    return ask_first("journal/delete.html", lambda: services.delete_entry(entry),
                     done="Entry deleted.", then=url_for("journal.index"), entry=entry)


@bp.post("/<id:entry_id>/practice")
@login_required
def practice(entry_id: int):
    """Add an interview debrief's questions to the user's practice questions."""
    entry = get_owned_or_404(JournalEntry, entry_id)
    if not ConfirmForm().validate_on_submit() or not services.interview_questions(entry):
        abort(422, "This entry lists no interview questions to practise.")
    added, known = services.send_questions_to_practice(current_user, entry)
    message = f"Added {added} question{'s' if added != 1 else ''} to your practice."
    flash(message + (f" {known} you had already." if known else ""), "success")
    return redirect(url_for("journal.detail", entry_id=entry.id), code=303)


@bp.post("/on-this-day")
@login_required
def on_this_day():
    """Show or hide Today's "On this day" card. htmx removes the card in place."""
    form = OnThisDayForm()
    if not form.validate_on_submit():
        abort(422, "That setting can't be changed now. Please reload the page.")
    services.set_show_on_this_day(current_user, form.show.data == "on")
    flash("“On this day” is on." if form.show.data == "on" else
          "“On this day” is off. Turn it back on at the foot of the Journal page.", "success")
    if is_htmx():
        return ""
    return redirect(url_for(BACK.get(form.back.data, "journal.index")), code=303)
