"""Reminder pages: the settings (time, weekdays, on or off), a test reminder, and the two
JSON endpoints `static/js/reminders.js` calls to subscribe or unsubscribe this browser."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, jsonify, redirect, request, url_for
from flask_login import current_user, login_required

from webapp.forms import ConfirmForm
from webapp.reminders import services, tasks
from webapp.reminders.forms import ReminderForm
from webapp.reminders.vapid import vapid_keys
from webapp.rendering import render_form

bp = Blueprint("reminders", __name__, url_prefix="/reminders")


@bp.route("", methods=["GET", "POST"])
@login_required
def settings():
    """Choose when to be reminded to check in, and turn reminders on for this device."""
    form = ReminderForm()
    if request.method == "GET":
        form.fill(services.ReminderSettings.of(current_user))
    if form.validate_on_submit():
        try:
            services.save_settings(current_user, form.settings())
        except services.ReminderProblem as problem:
            form.days.errors.append(str(problem))
        else:
            flash("Saved. " + ("We'll remind you then." if form.on.data
                               else "Reminders are off."), "success")
            return redirect(url_for("reminders.settings"), code=303)
    return render_form("reminders/settings.html", form, test_form=ConfirmForm(),
                       devices=services.device_count(current_user),
                       public_key=vapid_keys().public_key)


@bp.post("/subscriptions")
@login_required
def subscribe():
    """This browser's push subscription, as JSON: kept for this device's session."""
    try:
        subscription = services.SubscriptionInput.from_json(
            request.get_json(silent=True), current_app.config["PUSH_SERVICE_HOSTS"])
    except services.ReminderProblem as problem:
        return jsonify(error=str(problem)), 422
    services.save_subscription(current_user, subscription,
                               login_session_id=current_user.current_session.id,
                               device=current_user.current_session.device)
    return jsonify(devices=services.device_count(current_user)), 201


@bp.post("/subscriptions/remove")
@login_required
def unsubscribe():
    """This browser stopped its subscription: forget it (JSON body with its endpoint)."""
    data = request.get_json(silent=True)
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    if not isinstance(endpoint, str):
        return jsonify(error="This browser sent no subscription."), 422
    services.remove_subscription(current_user, endpoint)
    return "", 204


@bp.post("/test")
@login_required
def send_test():
    """Send a test reminder to the user's devices, through the job queue."""
    if ConfirmForm().validate_on_submit():
        if services.device_count(current_user):
            tasks.send_test_reminder(user_id=current_user.id)
            flash("A test reminder is on its way. It can take a moment to arrive.", "success")
        else:
            flash("None of your devices has reminders turned on yet. Turn them on here "
                  "first, then try again.", "info")
    return redirect(url_for("reminders.settings"), code=303)


@bp.post("/others/stop")
@login_required
def stop_others():
    """Stop reminders on every other device of the user (a lost phone, a shared computer)."""
    if ConfirmForm().validate_on_submit():
        stopped = services.remove_other_devices(
            current_user, keep_session_id=current_user.current_session.id)
        flash(f"Reminders stopped on {stopped} other device{'' if stopped == 1 else 's'}."
              if stopped else "No other device had reminders on.", "success")
    return redirect(url_for("reminders.settings"), code=303)
