"""Visualize pages: my why, the guided visualization with its calm timer (static/js/
visualize.js), how it felt afterwards, and the moments taken so far."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.forms import ConfirmForm
from webapp.htmx import is_htmx
from webapp.models import VisualizationSession
from webapp.ownership import get_owned_or_404
from webapp.rendering import render_form, render_page
from webapp.visualize import services
from webapp.visualize.forms import SessionForm, WhyForm

bp = Blueprint("visualize", __name__, url_prefix="/visualize")


def _page(form: SessionForm, *, status: int, saved: VisualizationSession | None = None):
    """The Visualize page, or for htmx the part after the visualization (how it felt) with
    the moments taken, out of band."""
    return render_page(
        "visualize/index.html", fragment="visualize/partials/saved.html", status=status,
        form=form, saved=saved, why=services.my_why(current_user),
        moments=services.moments(current_user), prompts=services.PROMPTS, felt=services.FELT,
    )


@bp.get("")
@login_required
def index():
    """My why, the guided visualization, and the moments taken so far."""
    return _page(SessionForm(formdata=None), status=200)


@bp.post("/sessions")
@login_required
def record_session():
    """One tap after a visualization: save how it felt, with the optional note."""
    form = SessionForm()
    if form.validate_on_submit():
        try:
            saved = services.record_session(current_user, form.session_input())
        except services.VisualizeProblem as problem:
            form.note.errors.append(str(problem))
        else:
            if not is_htmx():
                flash("Saved. Thank you for taking a moment for yourself.", "success")
                return redirect(url_for("visualize.index", _anchor="moments"), code=303)
            return _page(SessionForm(formdata=None), status=201, saved=saved)
    return _page(form, status=422)


@bp.route("/sessions/<id:session_id>/delete", methods=["GET", "POST"])
@login_required
def delete_session(session_id: int):
    """Ask, then delete one of the user's visualizations."""
    session = get_owned_or_404(VisualizationSession, session_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.delete_session(session)
        flash("Deleted.", "success")
        return redirect(url_for("visualize.index", _anchor="moments"), code=303)
    return render_template("visualize/delete.html", session=session, form=form,
                           felt=services.FELT)


@bp.route("/why", methods=["GET", "POST"])
@login_required
def why():
    """Write or change why you're looking: reasons to tick and your own words."""
    form = WhyForm()
    if request.method == "GET":
        form.fill(services.my_why(current_user))
    if form.validate_on_submit():
        try:
            services.save_my_why(current_user, form.reasons(), form.own_words.data)
        except services.VisualizeProblem as problem:
            form.own_words.errors.append(str(problem))
        else:
            flash("Your why is saved. It's here whenever you need it.", "success")
            return redirect(url_for("visualize.index"), code=303)
    return render_form("visualize/why.html", form)
