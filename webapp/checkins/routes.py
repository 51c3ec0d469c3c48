"""Mood check-ins: the one-tap check-in on Today, details, history, edit and delete."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required

from webapp.checkins import services
from webapp.checkins.feelings import EMOTION_LABELS, ENERGY, MOODS
from webapp.checkins.forms import CheckinForm, DetailsForm, QuickCheckinForm
from webapp.forms import ConfirmForm
from webapp.htmx import is_htmx
from webapp.models import MoodCheckin
from webapp.ownership import get_owned_or_404
from webapp.rendering import ask_first, form_status, render_form, render_page
from webapp.timezones import local_today

bp = Blueprint("checkins", __name__, url_prefix="/checkins")

THANKS = "Saved. Thank you for checking in."


@bp.record_once
def _share_the_words(state: BlueprintSetupState) -> None:
    """Every page may show a mood, an energy level or a feeling by its word."""
    state.app.jinja_env.globals.update(MOODS=MOODS, ENERGY=ENERGY, EMOTION_LABELS=EMOTION_LABELS)


def _panel(form: QuickCheckinForm | None = None, *, saved: MoodCheckin | None = None,
           details: DetailsForm | None = None, status: int = 200, headers: dict | None = None):
    """Today's check-in panel (with today's list, out of band) for htmx; without JS, a page
    holding the same panel."""
    if saved is not None and details is None:
        details = DetailsForm(formdata=None)
    body, status = render_page(
        "checkins/checkin.html", fragment="checkins/partials/panel_response.html", status=status,
        todays=services.todays_checkins(current_user),
        form=form or QuickCheckinForm(formdata=None), saved=saved, details=details,
    )
    return body, status, headers or {}


@bp.post("")
@login_required
def create():
    """One tap on a mood: save a check-in, once however often it is sent (OFF-01..03)."""
    form = QuickCheckinForm()
    if not form.validate_on_submit():
        return _panel(form, status=422)
    try:
        checkin, created = services.record_checkin(
            current_user, form.client_uuid.data, form.checkin_input()
        )
    except services.CheckinWasDeleted as handled:
        flash(str(handled), "info")
        return _panel()
    except (services.CheckinConflict, services.InvalidCheckin) as problem:
        return _panel(form.refused(str(problem)), status=422)
    saved_as = {"X-Checkin-Id": str(checkin.id)}  # a replay learns the id it was saved as
    if is_htmx():
        return _panel(saved=checkin, status=201 if created else 200, headers=saved_as)
    flash(f"Saved. You're feeling {MOODS[checkin.mood]}.", "success")
    return redirect(url_for("checkins.details", checkin_id=checkin.id), code=303), saved_as


@bp.route("/<id:checkin_id>/details", methods=["GET", "POST"])
@login_required
def details(checkin_id: int):
    """Add energy, feelings and a note to one of the user's check-ins."""
    checkin = get_owned_or_404(MoodCheckin, checkin_id)
    form = DetailsForm()
    if request.method == "GET":
        form.fill_details(checkin)
    if form.validate_on_submit():
        try:
            services.update_checkin(current_user, checkin, form.checkin_input(checkin))
        except services.InvalidCheckin as problem:
            form.note.errors.append(str(problem))
        else:
            flash(THANKS, "success")
            return _panel() if is_htmx() else redirect(url_for("today.index"), code=303)
    return _panel(saved=checkin, details=form, status=form_status(form))


@bp.get("")
@login_required
def history():
    """The user's check-ins and self-care by day, newest first."""
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)
    return render_template(
        "checkins/history.html", history=services.history(current_user, page), confirm=ConfirmForm()
    )


def _full_form(form: CheckinForm, checkin: MoodCheckin | None = None):
    """The whole check-in form: a new one for an earlier day, or an edit."""
    return render_form(
        "checkins/form.html", form, checkin=checkin, max_day=local_today(current_user.timezone)
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Add a check-in for an earlier day (or today), with every detail at once."""
    form = CheckinForm()
    if request.method == "GET":
        form.day.data = local_today(current_user.timezone)
    if form.validate_on_submit():
        try:
            services.record_checkin(current_user, form.client_uuid.data, form.checkin_input())
        except (services.CheckinConflict, services.InvalidCheckin) as problem:
            form.refused(str(problem), field=form.day)
        except services.CheckinWasDeleted as handled:
            flash(str(handled), "info")
            return redirect(url_for("checkins.history"), code=303)
        else:
            flash("Check-in added.", "success")
            return redirect(url_for("checkins.history"), code=303)
    return _full_form(form)


@bp.route("/<id:checkin_id>/edit", methods=["GET", "POST"])
@login_required
def edit(checkin_id: int):
    """Change one of the user's check-ins, including the day it belongs to."""
    checkin = get_owned_or_404(MoodCheckin, checkin_id)
    form = CheckinForm()
    if request.method == "GET":
        form.fill(checkin)
    if form.validate_on_submit():
        try:
            services.update_checkin(current_user, checkin, form.checkin_input())
        except services.InvalidCheckin as problem:
            form.day.errors.append(str(problem))
        else:
            flash("Check-in updated.", "success")
            return redirect(url_for("checkins.history"), code=303)
    return _full_form(form, checkin)


@bp.route("/<id:checkin_id>/delete", methods=["GET", "POST"])
@login_required
def delete(checkin_id: int):
    """Ask, then delete one of the user's check-ins for good. htmx removes it in place."""
    checkin = get_owned_or_404(MoodCheckin, checkin_id)
    return ask_first("checkins/delete.html", lambda: services.delete_checkin(checkin),
                     done="Check-in deleted.", then=url_for("checkins.history"),
                     in_place=lambda: "", checkin=checkin)
