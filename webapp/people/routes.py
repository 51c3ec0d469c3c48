"""People pages: the support network, "reached out today", and gentle nudges."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required

from webapp.forms import saved
from webapp.htmx import is_htmx
from webapp.models import Contact
from webapp.ownership import get_owned_or_404
from webapp.people import services
from webapp.people.forms import ContactForm, ReachedOutForm
from webapp.rendering import ask_first, render_form, render_page
from webapp.timezones import local_today

bp = Blueprint("people", __name__, url_prefix="/people")


@bp.record_once
def _share_the_words(state: BlueprintSetupState) -> None:
    """Pages name a relation by its word."""
    state.app.jinja_env.globals.update(RELATIONS=services.RELATION_LABELS)


def _today():
    return local_today(current_user.timezone)


@bp.get("")
@login_required
def index():
    """The user's support network, the one not in touch longest first, with nudges."""
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)
    return render_page("people/index.html", people=services.people_page(current_user, page),
                       today=_today())


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Add someone to the support network."""
    form = ContactForm(today=_today())
    if saved(form, lambda: services.add_contact(current_user, form.contact_input())):
        flash(f"{form.name.data.strip()} is in your support network now.", "success")
        return redirect(url_for("people.index"), code=303)
    return render_form("people/form.html", form, contact=None)


@bp.route("/<id:contact_id>/edit", methods=["GET", "POST"])
@login_required
def edit(contact_id: int):
    """Change one of the user's contacts, their last time in touch included."""
    contact = get_owned_or_404(Contact, contact_id)
    form = ContactForm(today=_today())
    if request.method == "GET":
        form.fill(contact)
    if saved(form, lambda: services.update_contact(current_user, contact,
                                                     form.contact_input())):
        flash("Saved.", "success")
        return redirect(url_for("people.index", _anchor=f"contact-{contact.id}"), code=303)
    return render_form("people/form.html", form, contact=contact)


@bp.route("/<id:contact_id>/delete", methods=["GET", "POST"])
@login_required
def delete(contact_id: int):
    """Ask, then delete one of the user's contacts."""
    contact = get_owned_or_404(Contact, contact_id)
    return ask_first("people/delete.html", lambda: services.delete_contact(contact),
                     done=f"{contact.name} was removed from your support network.",
                     then=url_for("people.index"), contact=contact)


@bp.post("/<id:contact_id>/reached-out")
@login_required
def reached_out(contact_id: int):
    """One tap: in touch with this person today; networking=1 counts it for the week too."""
    contact = get_owned_or_404(Contact, contact_id)
    form = ReachedOutForm()
    if not form.validate_on_submit():
        abort(422, "That tap didn't come through. Please reload the page and try again.")
    counted = services.reached_out(current_user, contact, as_networking=form.as_networking)
    flash(f"Noted: you were in touch with {contact.name} today"
          + (", and it counts as networking this week." if counted else "."), "success")
    if is_htmx():
        return render_template("people/partials/contact.html",
                               row=services.contact_row(current_user, contact))
    return redirect(url_for("people.index", _anchor=f"contact-{contact.id}"), code=303)
