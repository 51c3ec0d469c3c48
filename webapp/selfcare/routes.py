"""Self-care pages: ticking a habit off on Today, and managing the list of habits."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from webapp.forms import ConfirmForm
from webapp.htmx import is_htmx
from webapp.models import SelfCareHabit
from webapp.ownership import get_owned_or_404
from webapp.rendering import render_form
from webapp.selfcare import services
from webapp.selfcare.forms import HabitDoneForm, HabitForm
from webapp.timezones import local_today

bp = Blueprint("selfcare", __name__, url_prefix="/selfcare")


@bp.post("/habits/<id:habit_id>/done")
@login_required
def done(habit_id: int):
    """Mark one of the user's habits done (done=1) or not done (done=0) today."""
    habit = get_owned_or_404(SelfCareHabit, habit_id)
    form = HabitDoneForm()
    day = form.day_for(local_today(current_user.timezone))
    if not form.validate_on_submit() or habit.archived or day is None:
        abort(422, "That habit can't be changed now. Please reload the page.")
    services.set_habit_done(current_user, habit, day, form.is_done)
    if is_htmx():
        return render_template(
            "selfcare/partials/habit_toggle.html", habit=habit, done=form.is_done
        )
    return redirect(url_for("today.index", _anchor="self-care"), code=303)


@bp.route("/habits", methods=["GET", "POST"])
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
            return redirect(url_for("selfcare.habits"), code=303)
    return render_form(
        "selfcare/habits.html", form,
        active=services.habits(current_user),
        archived=services.habits(current_user, archived=True),
        confirm=ConfirmForm(),
    )


@bp.route("/habits/<id:habit_id>/rename", methods=["GET", "POST"])
@login_required
def rename(habit_id: int):
    """Rename one of the user's habits."""
    habit = get_owned_or_404(SelfCareHabit, habit_id)
    form = HabitForm(obj=habit if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            services.rename_habit(current_user, habit, form.name.data)
        except services.HabitProblem as problem:
            form.name.errors.append(str(problem))
        else:
            flash("Habit renamed.", "success")
            return redirect(url_for("selfcare.habits"), code=303)
    return render_form("selfcare/rename.html", form, habit=habit)


@bp.post("/habits/<id:habit_id>/archive")
@login_required
def archive(habit_id: int):
    """Hide one of the user's habits from Today, keeping its history."""
    habit = get_owned_or_404(SelfCareHabit, habit_id)
    services.archive_habit(habit)
    flash(f"“{habit.name}” archived. You can bring it back below.", "success")
    return redirect(url_for("selfcare.habits"), code=303)


@bp.post("/habits/<id:habit_id>/restore")
@login_required
def restore(habit_id: int):
    """Bring an archived habit back to Today."""
    habit = get_owned_or_404(SelfCareHabit, habit_id)
    try:
        services.restore_habit(current_user, habit)
    except services.HabitProblem as problem:
        flash(str(problem), "error")
    else:
        flash(f"“{habit.name}” is back on Today.", "success")
    return redirect(url_for("selfcare.habits"), code=303)
