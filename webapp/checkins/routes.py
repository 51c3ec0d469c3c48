"""Mood check-ins (make, add detail, edit, delete, history) and self-care habits."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.checkins import services
from webapp.checkins.feelings import MOODS
from webapp.checkins.forms import (
    CheckinForm,
    ConfirmForm,
    DetailsForm,
    HabitDoneForm,
    HabitForm,
    QuickCheckinForm,
    new_client_uuid,
)
from webapp.errors import render_error
from webapp.htmx import is_htmx
from webapp.models import MoodCheckin, SelfCareHabit
from webapp.ownership import get_owned_or_404
from webapp.timezones import local_today
from webapp.today.services import today_view

bp = Blueprint("checkins", __name__)

THANKS = "Saved. Thank you for checking in."


def _parse_client_time(value: str | None) -> datetime | None:
    """The phone's ISO 8601 time of the check-in; ignored when missing or naive."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def _today_panel(
    form=None, *, saved: MoodCheckin | None = None, details=None, notice: str | None = None,
    status: int = 200,
):
    """The check-in panel of Today, plus today's list (and any notice) swapped out of band."""
    if saved is not None and details is None:
        details = DetailsForm(formdata=None)
    return render_template(
        "today/partials/checkin_panel_response.html",
        view=today_view(current_user),
        form=form or QuickCheckinForm(formdata=None),
        saved=saved,
        details=details,
        message=notice,
        category="success",
    ), status


def _refuse_checkin(form: QuickCheckinForm):
    """Today again, with the form's message, and nothing saved."""
    if is_htmx():
        return _today_panel(form, status=422)
    return render_template("today/index.html", view=today_view(current_user), form=form), 422


@bp.post("/checkins")
@login_required
def create():
    """One tap on a mood: save a check-in, once however often it is sent (OFF-01..03)."""
    form = QuickCheckinForm()
    if not form.validate_on_submit():
        return _refuse_checkin(form)
    data = services.CheckinInput(
        mood=form.mood.data,
        client_created_at=_parse_client_time(form.client_created_at.data),
    )
    try:
        checkin, created = services.record_checkin(current_user, form.client_uuid.data, data)
    except services.CheckinConflict:
        form.mood.errors.append("This check-in was already saved with a different mood.")
        form.client_uuid.data = new_client_uuid()  # the next tap is a new check-in
        return _refuse_checkin(form)
    except services.InvalidCheckin as problem:
        form.mood.errors.append(str(problem))
        return _refuse_checkin(form)
    headers = {"X-Checkin-Id": str(checkin.id)}
    if is_htmx():
        body, status = _today_panel(saved=checkin, status=201 if created else 200)
        return body, status, headers
    flash(f"Saved. You're feeling {MOODS[checkin.mood]}.", "success")
    return redirect(url_for("checkins.details", checkin_id=checkin.id), code=303), headers


@bp.route("/checkins/<id:checkin_id>/details", methods=["GET", "POST"])
@login_required
def details(checkin_id: int):
    """Add energy, feelings and a note to one of the user's check-ins."""
    checkin = get_owned_or_404(MoodCheckin, checkin_id)
    form = DetailsForm() if request.method == "POST" else _filled(DetailsForm, checkin)
    if form.validate_on_submit():
        try:
            services.update_checkin(
                current_user,
                checkin,
                energy=form.energy_value,
                emotions=tuple(form.emotions.data or ()),
                note=form.note_value,
            )
        except services.InvalidCheckin as problem:
            form.note.errors.append(str(problem))
        else:
            if is_htmx():
                return _today_panel(notice=THANKS)
            flash(THANKS, "success")
            return redirect(url_for("today.index"), code=303)
    status = 422 if form.is_submitted() else 200
    if is_htmx():
        return _today_panel(saved=checkin, details=form, status=status)
    return render_template("checkins/details.html", checkin=checkin, form=form), status


def _filled(form_class, checkin: MoodCheckin):
    """A details or full check-in form showing what the check-in holds now."""
    form = form_class(formdata=None)
    form.energy.data = str(checkin.energy) if checkin.energy else None
    form.emotions.data = checkin.emotion_keys
    form.note.data = checkin.note or ""
    if isinstance(form, CheckinForm):
        form.mood.data = str(checkin.mood)
        form.day.data = checkin.local_date
    return form


@bp.get("/checkins")
@login_required
def history():
    """The user's check-ins and self-care by day, newest first."""
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)
    return render_template(
        "checkins/history.html", history=services.history(current_user, page), confirm=ConfirmForm()
    )


@bp.route("/checkins/new", methods=["GET", "POST"])
@login_required
def new():
    """Add a check-in for an earlier day (or today), with every detail at once."""
    form = CheckinForm()
    if request.method == "GET":
        form.day.data = local_today(current_user.timezone)
    if form.validate_on_submit():
        data = services.CheckinInput(
            mood=int(form.mood.data),
            energy=form.energy_value,
            emotions=tuple(form.emotions.data or ()),
            note=form.note_value,
            day=form.day.data,
        )
        try:
            services.record_checkin(current_user, form.client_uuid.data, data)
        except services.CheckinConflict:
            form.mood.errors.append("This check-in was already saved with other answers.")
            form.client_uuid.data = new_client_uuid()
        except services.InvalidCheckin as problem:
            form.day.errors.append(str(problem))
        else:
            flash("Check-in added.", "success")
            return redirect(url_for("checkins.history"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "checkins/form.html", form=form, checkin=None, max_day=local_today(current_user.timezone)
    ), status


@bp.route("/checkins/<id:checkin_id>/edit", methods=["GET", "POST"])
@login_required
def edit(checkin_id: int):
    """Change one of the user's check-ins, including the day it belongs to."""
    checkin = get_owned_or_404(MoodCheckin, checkin_id)
    form = CheckinForm() if request.method == "POST" else _filled(CheckinForm, checkin)
    if form.validate_on_submit():
        try:
            services.update_checkin(
                current_user,
                checkin,
                mood=int(form.mood.data),
                energy=form.energy_value,
                emotions=tuple(form.emotions.data or ()),
                note=form.note_value,
                day=form.day.data,
            )
        except services.InvalidCheckin as problem:
            form.day.errors.append(str(problem))
        else:
            flash("Check-in updated.", "success")
            return redirect(url_for("checkins.history"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "checkins/form.html", form=form, checkin=checkin,
        max_day=local_today(current_user.timezone),
    ), status


@bp.route("/checkins/<id:checkin_id>/delete", methods=["GET", "POST"])
@login_required
def delete(checkin_id: int):
    """Ask, then delete one of the user's check-ins for good."""
    checkin = get_owned_or_404(MoodCheckin, checkin_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        services.delete_checkin(checkin)
        if is_htmx():
            return render_template("partials/_flash_only.html",
                                   message="Check-in deleted.", category="success")
        flash("Check-in deleted.", "success")
        return redirect(url_for("checkins.history"), code=303)
    return render_template("checkins/delete.html", checkin=checkin, form=form)


# --- Self-care ---------------------------------------------------------------------------


@bp.post("/self-care/<id:habit_id>/done")
@login_required
def habit_done(habit_id: int):
    """Mark one of the user's habits done (done=1) or not done (done=0) today."""
    habit = get_owned_or_404(SelfCareHabit, habit_id)
    form = HabitDoneForm()
    if not form.validate_on_submit() or habit.archived:
        return render_error(422, "That habit can't be changed now. Please reload the page.")
    today = local_today(current_user.timezone)
    services.set_habit_done(current_user, habit, today, form.done.data == "1")
    if is_htmx():
        return render_template(
            "today/partials/habit_toggle.html",
            habit=habit, done=form.done.data == "1",
        )
    return redirect(url_for("today.index", _anchor="self-care"), code=303)


@bp.route("/self-care/habits", methods=["GET", "POST"])
@login_required
def habits():
    """The user's self-care habits: add, rename, archive and bring back."""
    form = HabitForm()
    if form.validate_on_submit():
        try:
            services.add_habit(current_user, form.name.data)
        except services.HabitProblem as problem:
            form.name.errors.append(str(problem))
        else:
            flash("Habit added. It's on Today now.", "success")
            return redirect(url_for("checkins.habits"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template(
        "checkins/habits.html",
        form=form,
        active=services.habits(current_user),
        archived=services.habits(current_user, archived=True),
        confirm=ConfirmForm(),
    ), status


@bp.route("/self-care/habits/<id:habit_id>/rename", methods=["GET", "POST"])
@login_required
def rename_habit(habit_id: int):
    """Rename one of the user's habits."""
    habit = get_owned_or_404(SelfCareHabit, habit_id)
    form = HabitForm(obj=habit) if request.method == "GET" else HabitForm()
    if form.validate_on_submit():
        try:
            services.rename_habit(current_user, habit, form.name.data)
        except services.HabitProblem as problem:
            form.name.errors.append(str(problem))
        else:
            flash("Habit renamed.", "success")
            return redirect(url_for("checkins.habits"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("checkins/rename_habit.html", form=form, habit=habit), status


@bp.post("/self-care/habits/<id:habit_id>/archive")
@login_required
def archive_habit(habit_id: int):
    """Hide one of the user's habits from Today, keeping its history."""
    habit = get_owned_or_404(SelfCareHabit, habit_id)
    services.archive_habit(habit)
    flash(f"“{habit.name}” archived. You can bring it back below.", "success")
    return redirect(url_for("checkins.habits"), code=303)


@bp.post("/self-care/habits/<id:habit_id>/restore")
@login_required
def restore_habit(habit_id: int):
    """Bring an archived habit back to Today."""
    habit = get_owned_or_404(SelfCareHabit, habit_id)
    try:
        services.restore_habit(current_user, habit)
    except services.HabitProblem as problem:
        flash(str(problem), "error")
    else:
        flash(f"“{habit.name}” is back on Today.", "success")
    return redirect(url_for("checkins.habits"), code=303)
