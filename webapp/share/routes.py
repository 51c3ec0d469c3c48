"""Share pages. Two blueprints: `share` (/share) is the owner's: make, renew, widen or narrow,
and end links, read their access log and the notes left through them. `mentor` (/s) is the
public page behind a link: read-only but for one short note (TRUST.md SHR-01..15)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, fresh_login_required, login_fresh, login_required
from werkzeug.exceptions import TooManyRequests

from webapp.audit import security_event
from webapp.extensions import csrf, limiter
from webapp.forms import ConfirmForm
from webapp.models import MentorNote, ShareLink
from webapp.ownership import get_owned_or_404
from webapp.rendering import render_form
from webapp.share import services
from webapp.share.cards import CARDS
from webapp.share.forms import CardsForm, LinkForm, MentorNoteForm, RenewForm
from webapp.share.tokens import token_hash
from webapp.share.visitors import Visit
from webapp.templating import long_date

bp = Blueprint("share", __name__, url_prefix="/share")
# The mentor's pages send no Referer (share_headers), so their posts are checked for the
# CSRF token without the Referer (webapp/extensions.py CSRFProtect).
mentor_bp = csrf.without_referer(Blueprint("mentor", __name__, url_prefix="/s"))


# --- The owner's side -----------------------------------------------------------------------


@bp.get("")
@login_required
def index():
    """The user's links: who each is for, what it shows, when it ends, how often it was opened."""
    return render_template("share/index.html", links=services.links_of(current_user),
                           cards=CARDS, confirm=ConfirmForm())


@bp.route("/new", methods=["GET", "POST"])
@fresh_login_required
@limiter.limit("20/day", methods=["POST"], key_func=lambda: f"share-create:{current_user.id}")
def create():
    """Make a link (a fresh login first, SEC-14); its full URL is shown once, on the answer."""
    form = LinkForm()
    if form.validate_on_submit():
        try:
            new = services.create_link(current_user, label=form.label.data,
                                       days=form.days.data, choice=form.choice())
        except services.ShareProblem as problem:
            form.cards.errors.append(str(problem))
        else:
            url = url_for("mentor.page", token=new.token, _external=True)
            # Not a redirect: the token lives only in this answer, never in a session or log.
            return render_template("share/created.html", link=new.link, url=url, cards=CARDS), 201
    return render_form("share/new.html", form, cards=CARDS)


@bp.get("/<id:link_id>")
@login_required
def link(link_id: int):
    """One link: what it shows, its access log, and the notes left through it."""
    page = services.link_page(get_owned_or_404(ShareLink, link_id))
    return render_template("share/link.html", page=page, cards=CARDS,
                           renew=RenewForm(formdata=None), confirm=ConfirmForm())


@bp.route("/<id:link_id>/cards", methods=["GET", "POST"])
@login_required
def change_cards(link_id: int):
    """Change what a link shows; showing more needs a fresh login, showing less never does."""
    link = get_owned_or_404(ShareLink, link_id)
    form = CardsForm()
    if request.method == "GET":
        form.fill_from(link)
    if form.validate_on_submit():
        if form.choice().widens(link) and not login_fresh():
            return current_app.login_manager.needs_refresh()  # type: ignore[attr-defined]
        try:
            services.change_cards(link, form.choice())
        except services.ShareProblem as problem:
            form.cards.errors.append(str(problem))
        else:
            flash("Saved. The page shows exactly these cards from now on.", "success")
            return redirect(url_for("share.link", link_id=link.id), code=303)
    return render_form("share/cards.html", form, link=link, cards=CARDS)


@bp.post("/<id:link_id>/renew")
@fresh_login_required
def renew(link_id: int):
    """Keep a link open for more days from today; this reopens an expired one (SHR-05)."""
    link = get_owned_or_404(ShareLink, link_id)
    form = RenewForm()
    if form.validate_on_submit():
        try:
            services.renew_link(link, form.days.data)
        except services.ShareProblem as problem:
            form.days.errors.append(str(problem))
        else:
            flash(f"The link now works until {long_date(link.expires_at)}.", "success")
            return redirect(url_for("share.link", link_id=link.id), code=303)
    page = services.link_page(link)
    return render_form("share/link.html", form, page=page, cards=CARDS, renew=form,
                       confirm=ConfirmForm())


@bp.post("/<id:link_id>/revoke")
@login_required
def revoke(link_id: int):
    """End a link now. No fresh login: ending access must always be one tap away."""
    link = get_owned_or_404(ShareLink, link_id)
    if ConfirmForm().validate_on_submit():
        services.revoke_link(link)
        flash(f"Ended. The link {link.label} no longer opens anything.", "success")
    return redirect(url_for("share.link", link_id=link.id), code=303)


@bp.post("/revoke-all")
@login_required
def revoke_all():
    """End every link the user has, at once."""
    if ConfirmForm().validate_on_submit():
        count = services.revoke_all(current_user)
        flash(f"Ended {count} link{'s' if count != 1 else ''}. None of them open anything now.",
              "success")
    return redirect(url_for("share.index"), code=303)


@bp.post("/notes/read")
@login_required
def read_notes():
    """Mark the new notes read, so they leave Today (they stay on their link's page)."""
    if ConfirmForm().validate_on_submit():
        services.mark_notes_read(current_user)
    return redirect(url_for("today.index"), code=303)


def _back_to_notes(note: MentorNote):
    return redirect(url_for("share.link", link_id=note.link_id, _anchor="notes"), code=303)


@bp.post("/notes/<id:note_id>/hide")
@login_required
def hide_note(note_id: int):
    """Hide a note: it leaves Today and folds away on its link's page."""
    note = get_owned_or_404(MentorNote, note_id)
    if ConfirmForm().validate_on_submit():
        services.hide_note(note)
        flash("Hidden. You'll find it under \"Hidden notes\".", "success")
    return _back_to_notes(note)


@bp.post("/notes/<id:note_id>/show")
@login_required
def show_note(note_id: int):
    """Show a hidden note again."""
    note = get_owned_or_404(MentorNote, note_id)
    if ConfirmForm().validate_on_submit():
        services.hide_note(note, hidden=False)
        flash("Shown again.", "success")
    return _back_to_notes(note)


@bp.post("/notes/<id:note_id>/delete")
@login_required
def delete_note(note_id: int):
    """Delete a note for good."""
    note = get_owned_or_404(MentorNote, note_id)
    if ConfirmForm().validate_on_submit():
        services.delete_note(note)
        flash("Deleted.", "success")
    return _back_to_notes(note)


# --- The mentor's side ----------------------------------------------------------------------

# Per address, over every /s/ URL (FLK-08, SHR-11): reading is cheap, guessing is not.
limiter.shared_limit("60/minute", scope="share-pages")(mentor_bp)


def _probing(limit) -> None:
    security_event("share_probing_blocked", limit=str(limit.limit))


# Twenty answers of "not found" an hour from one address is someone trying tokens: that
# address waits out the hour, whatever it asks for under /s/ (SHR-11).
limiter.shared_limit(
    "20/hour", scope="share-misses", deduct_when=lambda response: response.status_code == 404,
    on_breach=_probing,
)(mentor_bp)


def _link_key() -> str:
    # The token's hash, never the token: rate-limit keys end up in Redis and in logs.
    return "share-note:" + token_hash((request.view_args or {}).get("token", ""))[:16]


def _note_sent(response: Response) -> bool:
    return response.status_code == 303


@mentor_bp.get("/<path:token>")
def page(token: str):
    """The page a link opens, with the cards its owner chose; one same 404 for every token
    that opens nothing. Counts the visit (a GET that writes; see services.open_link)."""
    visit = Visit.of(request.user_agent.string, request.remote_addr)
    shared = services.open_link(token, visit=visit if request.method == "GET" else None)
    if shared is None:
        return not_found()
    return render_template("share/mentor.html", shared=shared, token=token,
                           form=MentorNoteForm(formdata=None))


@mentor_bp.post("/<token>/notes")
@limiter.limit("5/hour;20/day", key_func=_link_key, deduct_when=_note_sent,
               override_defaults=False)
@limiter.limit("10/hour", deduct_when=_note_sent, override_defaults=False)
def leave_note(token: str):
    """The one thing a mentor can write: a short plain-text note for the link's owner."""
    link = services.find_open_link(token)
    form = MentorNoteForm()
    if link is not None and form.validate_on_submit():
        try:
            services.leave_note(link, body=form.body.data, author_name=form.author_name.data)
        except services.ShareProblem as problem:
            form.body.errors.append(str(problem))
        else:
            flash("Thank you. Your note is on its way.", "success")
            return redirect(url_for("mentor.page", token=token, _anchor="note"), code=303)
    shared = services.open_link(token) if link is not None else None
    if shared is None:
        return not_found()
    return render_form("share/mentor.html", form, shared=shared, token=token)


def not_found() -> tuple[str, int]:
    """The one answer for a token that opens nothing: the same bytes whatever the reason."""
    return render_template("share/mentor_error.html", status=404), 404


@mentor_bp.errorhandler(TooManyRequests)
def too_many(error: TooManyRequests):
    """A pause, in the mentor page's own quiet shell (no scripts, nothing of the app)."""
    security_event("rate_limited", path=request.path)  # the token is redacted (audit.py)
    return render_template("share/mentor_error.html", status=429), 429


@mentor_bp.after_app_request
def share_headers(response: Response) -> Response:
    """Every answer under /s/, even a 404 or 405: no Referer leaves the page, search engines
    keep away, nothing is cached (SHR-08..10); and no rate-limit counts, which would tell
    apart two tokens that open nothing (SHR-04). A 429 keeps its Retry-After."""
    if not request.path.startswith("/s/"):
        return response
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow, noarchive"
    response.headers["Cache-Control"] = "no-store"
    if response.status_code != 429:
        limiter.context.view_rate_limit = None
    return response
