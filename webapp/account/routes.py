"""More: the account menu, profile, email, password and signed-in devices."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user, fresh_login_required, login_required

from webapp.account import services
from webapp.account.forms import ChangeEmailForm, ChangePasswordForm, ProfileForm
from webapp.audit import security_event
from webapp.auth import notices
from webapp.auth import services as auth_services
from webapp.auth.devices import presented_device, trust_this_device
from webapp.auth.sessions import live_sessions, sign_out_other_devices
from webapp.extensions import limiter
from webapp.forms import ConfirmForm
from webapp.rendering import render_form

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("")
@login_required
def more():
    """The menu behind "More" in the bottom bar."""
    return render_template("account/more.html")


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    """The signed-in user's name and time zone."""
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():
        services.update_profile(
            current_user, display_name=form.display_name.data, timezone=form.timezone.data
        )
        flash("Saved.", "success")
        return redirect(url_for("account.profile"), code=303)
    return render_form("account/profile.html", form)


@bp.route("/email", methods=["GET", "POST"])
@login_required
@limiter.limit("10/hour", methods=["POST"])
def change_email():
    """Change the sign-in email. The password is asked again (SEC-14) and the old address
    is told (SEC-08)."""
    form = ChangeEmailForm()
    if form.validate_on_submit():
        if not auth_services.confirm_password(
            current_user, form.current_password.data, device=presented_device()
        ):
            form.current_password.errors.append("That isn't your password.")
            return render_form("account/email.html", form, status=400)
        try:
            old_email = auth_services.change_email(current_user, form.email.data)
        except auth_services.EmailTaken:
            form.email.errors.append("That email can't be used. Try another one.")
        else:
            trust_this_device(current_user)  # the cookie names the account by its email
            security_event("email_changed", user_id=current_user.id)
            notices.send_email_changed(current_user, old_email)
            flash("Email changed. Use the new one to sign in.", "success")
            return redirect(url_for("account.profile"), code=303)
    return render_form("account/email.html", form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
@limiter.limit("10/hour", methods=["POST"])
def change_password():
    """Change the password; needs the current one (SEC-03) and signs out other devices."""
    form = ChangePasswordForm(personal=(current_user.display_name, current_user.email))
    if form.validate_on_submit():
        if not auth_services.confirm_password(
            current_user, form.current_password.data, device=presented_device()
        ):
            form.current_password.errors.append("That isn't your current password.")
            return render_form("account/password.html", form, status=400)
        auth_services.set_password(
            current_user, form.new_password.data, keep_session_id=current_user.current_session.id
        )
        security_event("password_changed", user_id=current_user.id)
        notices.send_password_changed(current_user, everywhere=False)
        flash("Password changed. Your other devices were signed out.", "success")
        return redirect(url_for("account.profile"), code=303)
    return render_form("account/password.html", form)


@bp.get("/sessions")
@login_required
def sessions():
    """Where the user is signed in (SEC-15)."""
    return render_template(
        "account/sessions.html",
        sessions=live_sessions(current_user),
        current_id=current_user.current_session.id,
        confirm=ConfirmForm(),
    )


@bp.post("/sessions/sign-out-others")
@fresh_login_required
def sign_out_others():
    """End every session of this user except the one making the request. Needs a fresh
    login, so a stolen remember-me cookie can't lock the owner out of their other devices."""
    # CSRFProtect has already checked the token of this form-less POST.
    count = sign_out_other_devices(current_user)
    security_event("other_sessions_ended", user_id=current_user.id, count=count)
    flash(f"Signed out {count} other device{'s' if count != 1 else ''}.", "success")
    return redirect(url_for("account.sessions"), code=303)
