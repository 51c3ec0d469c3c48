"""Signing up, in and out, and resetting a forgotten password."""

from __future__ import annotations

from flask import (
    Blueprint,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import confirm_login, current_user, login_required

from webapp.audit import security_event
from webapp.auth import notices, services
from webapp.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    ReauthForm,
    RegisterForm,
    ResetPasswordForm,
)
from webapp.auth.sessions import end_session, safe_next, start_session
from webapp.extensions import db, limiter
from webapp.htmx import is_htmx

bp = Blueprint("auth", __name__)

RESET_IN_SESSION = "pending_reset"
SIGN_IN_FAILED = "That email and password don't match an account. Please try again."


def _after_sign_in():
    """Full-page navigation after a sign in, so the new page carries a fresh CSRF token."""
    target = safe_next(request.args.get("next")) or url_for("today.index")
    if is_htmx():
        return "", 204, {"HX-Redirect": target}
    return redirect(target, code=303)


@bp.route("/register", methods=["GET", "POST"])
# Only accounts made count: a phone behind a shared address may need a few tries at a password.
@limiter.limit("5/hour", methods=["POST"], deduct_when=lambda response: response.status_code < 400)
def register():
    """Create an account. Anyone may call it; a signed-in user is sent to Today."""
    if current_user.is_authenticated:
        return redirect(url_for("today.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(
                email=form.email.data,
                display_name=form.display_name.data,
                password=form.password.data,
                timezone=form.timezone.data,
            )
        except services.EmailTaken:
            # This does tell that the address has an account: avoiding that needs a
            # verify-your-email step, which sign-up doesn't have yet.
            form.email.errors.append(
                "We couldn't create an account with that email. If it is yours, sign in "
                "or reset your password."
            )
        else:
            start_session(user, remember=False)
            db.session.commit()
            security_event("register", user_id=user.id)
            flash(f"Welcome, {user.display_name}. How are you today?", "success")
            return _after_sign_in()
    status = 422 if form.is_submitted() else 200
    return render_template("auth/register.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("10/minute;50/hour", methods=["POST"])
def login():
    """Sign in. Wrong password and unknown email get the same answer (SEC-06)."""
    if current_user.is_authenticated:
        return redirect(url_for("today.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except services.TooManyFailures:
            security_event("login_throttled")
            return render_template("auth/login.html", form=form, locked=True), 429
        if user is None:
            db.session.commit()  # keep the failure count
            security_event("login_failed")
            form.password.errors.append(SIGN_IN_FAILED)
        else:
            services.clear_failures(user)
            start_session(user, remember=form.remember.data)
            db.session.commit()
            security_event("login", user_id=user.id, remember=bool(form.remember.data))
            return _after_sign_in()
    status = 422 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
@login_required
def logout():
    """Sign out this device: the session ends on the server too (SEC-10)."""
    user_id = current_user.id
    end_session()
    db.session.commit()
    security_event("logout", user_id=user_id)
    flash("You're signed out. Take care.", "success")
    target = url_for("auth.login")
    if is_htmx():
        return "", 204, {"HX-Redirect": target}
    return redirect(target, code=303)


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
@limiter.limit("10/minute", methods=["POST"])
def reauth():
    """Confirm it's really the signed-in user before a sensitive action (SEC-14)."""
    form = ReauthForm()
    if form.validate_on_submit():
        user = services.authenticate(current_user.email, form.password.data)  # 429 if throttled
        if user is None:
            db.session.commit()  # keep the failure count
            security_event("reauth_failed", user_id=current_user.id)
            form.password.errors.append("That isn't your password.")
            return render_template("auth/reauth.html", form=form), 400
        confirm_login()
        db.session.commit()
        security_event("reauth", user_id=user.id)
        return redirect(safe_next(request.args.get("next")) or url_for("today.index"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/reauth.html", form=form), status


def _email_in_form() -> str:
    return "reset:" + services.normalise_email(request.form.get("email", ""))


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5/hour", methods=["POST"])
# And per address, so nobody can fill someone's inbox from many networks (FLK-08).
@limiter.limit("3/hour", methods=["POST"], key_func=_email_in_form)
def forgot_password():
    """Email a reset link. The answer is the same whether or not the email has an account."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset = services.create_password_reset(form.email.data)
        db.session.commit()
        if reset is not None:
            security_event("password_reset_requested", user_id=reset.user.id)
            notices.send_reset_link(reset.user, reset.token)
        return render_template("auth/forgot_sent.html")
    status = 422 if form.is_submitted() else 200
    return render_template("auth/forgot.html", form=form), status


@bp.route("/password/reset", methods=["GET", "POST"])
@limiter.limit("10/hour", methods=["POST"])
def reset_password():
    """Choose a new password from an emailed link. Used, expired or unknown links are 404.

    The link's token is moved into the signed session at once and the browser sent on to
    the same page without it, so it stays out of proxy logs, history and Referer headers
    (SEC-33).
    """
    if "token" in request.args:
        session[RESET_IN_SESSION] = request.args["token"]
        return redirect(url_for("auth.reset_password"), code=303)
    reset = services.find_password_reset(session.get(RESET_IN_SESSION, ""))
    if reset is None:
        return render_template("auth/reset_invalid.html"), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.use_password_reset(reset, form.password.data)
        except services.ResetAlreadyUsed:
            return render_template("auth/reset_invalid.html"), 404
        db.session.commit()
        session.pop(RESET_IN_SESSION, None)
        security_event("password_reset", user_id=user.id)
        notices.send_password_changed(user, everywhere=True)
        flash("Your password is changed. Please sign in with it.", "success")
        return redirect(url_for("auth.login"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("auth/reset.html", form=form), status
