"""More: the account menu, profile, email, password and signed-in devices."""

from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, fresh_login_required, login_fresh, login_required

from webapp.account import services
from webapp.account.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    PasskeyNameForm,
    ProfileForm,
)
from webapp.audit import security_event
from webapp.auth import notices, passkeys
from webapp.auth import services as auth_services
from webapp.auth.devices import presented_device, trust_this_device
from webapp.auth.passkey_web import (
    keep_challenge,
    options_response,
    posted_json,
    require_relying_party,
    take_challenge,
)
from webapp.auth.sessions import describe_device, live_sessions, sign_out_other_devices
from webapp.extensions import limiter
from webapp.forms import ConfirmForm
from webapp.models import Passkey
from webapp.ownership import get_owned_or_404
from webapp.rendering import render_form

bp = Blueprint("account", __name__, url_prefix="/account")


@bp.get("")
@login_required
def more():
    """The menu behind "More" in the bottom bar."""
    return render_template("account/more.html", confirm=ConfirmForm())


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


PASSKEY_NOT_ADDED = (
    "The passkey wasn't added. Please try again; if it keeps happening, your phone may "
    "already have a passkey for Onward."
)
LAST_WAYS_IN = (
    "You sign in with passkeys only, so you need at least two: one lost phone must never "
    "lock you out. Add another passkey first, then remove this one."
)
TWO_PASSKEYS_FIRST = (
    "Your password stays until you have at least two passkeys, so one lost phone can never "
    "lock you out. Add another passkey first."
)


@bp.get("/passkeys")
@login_required
def passkeys_page():
    """The user's passkeys: names, when added and last used; add, rename, remove."""
    return render_template(
        "account/passkeys.html",
        passkeys=passkeys.passkeys_of(current_user),
        has_password=passkeys.has_password(current_user),
        fresh=login_fresh(),
        enough=passkeys.PASSKEYS_WITHOUT_PASSWORD,
        confirm=ConfirmForm(),
    )


@bp.post("/passkeys/options")
@fresh_login_required
@limiter.limit("20/hour")
def passkey_options():
    """A challenge for making a new passkey (JSON). Needs a fresh login (SEC-14)."""
    options, challenge = passkeys.registration_options(current_user, require_relying_party())
    keep_challenge(challenge)
    return options_response(options)


@bp.post("/passkeys")
@fresh_login_required
@limiter.limit("20/hour")
def add_passkey():
    """Keep the passkey the phone just made, named after the device (renamable)."""
    try:
        passkey = passkeys.verify_registration(
            current_user, posted_json().get("credential"), take_challenge(),
            require_relying_party(), name=describe_device(request.headers.get("User-Agent", "")),
        )
    except passkeys.PasskeyRefused:
        return jsonify(error=PASSKEY_NOT_ADDED), 422
    security_event("passkey_added", user_id=current_user.id, passkey_id=passkey.id)
    notices.send_passkey_added(current_user, passkey.name)
    flash(f"Passkey added as “{passkey.name}”. Next time, sign in with it.", "success")
    return jsonify(redirect=url_for("account.passkeys_page"))


@bp.route("/passkeys/<id:passkey_id>/rename", methods=["GET", "POST"])
@login_required
def rename_passkey(passkey_id: int):
    passkey = get_owned_or_404(Passkey, passkey_id)
    form = PasskeyNameForm(obj=passkey)
    if form.validate_on_submit():
        passkeys.rename_passkey(passkey, form.name.data)
        flash("Renamed.", "success")
        return redirect(url_for("account.passkeys_page"), code=303)
    return render_form("account/passkey_rename.html", form, passkey=passkey)


@bp.route("/passkeys/<id:passkey_id>/remove", methods=["GET", "POST"])
@fresh_login_required
def remove_passkey(passkey_id: int):
    """Ask, then remove a passkey; other devices are signed out, as for a new password."""
    passkey = get_owned_or_404(Passkey, passkey_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            passkeys.remove_passkey(current_user, passkey,
                                    keep_session_id=current_user.current_session.id)
        except passkeys.LastWayIn:
            return render_template("account/passkey_remove.html", passkey=passkey, form=form,
                                   problem=LAST_WAYS_IN), 422
        security_event("passkey_removed", user_id=current_user.id, passkey_id=passkey_id)
        flash("Passkey removed. Your other devices were signed out.", "success")
        return redirect(url_for("account.passkeys_page"), code=303)
    return render_template("account/passkey_remove.html", passkey=passkey, form=form)


@bp.route("/password/remove", methods=["GET", "POST"])
@fresh_login_required
def remove_password():
    """Ask, then sign in with passkeys only (at least two of them)."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            passkeys.remove_password(current_user,
                                     keep_session_id=current_user.current_session.id)
        except passkeys.LastWayIn:
            return render_template("account/password_remove.html", form=form,
                                   problem=TWO_PASSKEYS_FIRST), 422
        security_event("password_removed", user_id=current_user.id)
        flash("Done: you sign in with your passkeys now. Your other devices were signed out.",
              "success")
        return redirect(url_for("account.passkeys_page"), code=303)
    return render_template("account/password_remove.html", form=form)
