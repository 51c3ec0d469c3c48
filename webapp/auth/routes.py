"""Signing up, in and out, and resetting a forgotten password."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import confirm_login, current_user, login_required

from webapp.audit import security_event
from webapp.auth import notices, passkeys, services
from webapp.auth.devices import presented_device, trust_this_device, write_device_cookie
from webapp.auth.forms import (
    ForgotPasswordForm,
    LoginForm,
    ReauthForm,
    RegisterForm,
    ResetPasswordForm,
)
from webapp.auth.passkey_web import (
    keep_challenge,
    options_response,
    passkeys_enabled,
    posted_json,
    require_relying_party,
    take_challenge,
)
from webapp.auth.sessions import end_session, safe_next, start_session
from webapp.errors import render_error
from webapp.extensions import limiter
from webapp.htmx import is_htmx
from webapp.rendering import render_form

bp = Blueprint("auth", __name__, url_prefix="/auth")

bp.after_app_request(write_device_cookie)


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals["passkeys_enabled"] = passkeys_enabled

RESET_IN_SESSION = "pending_reset"
SIGN_IN_FAILED = "That email and password don't match an account. Please try again."
SLOWED_DOWN = (
    "There were several wrong passwords for this email just now, so we're slowing down "
    "sign-ins for it. Please wait {wait} and try again. A device you've signed in on "
    "before can sign in as usual, and you can always reset your password."
)
# Sign-in with a passkey is limited like sign-in with a password, per address.
SIGN_IN_LIMIT = "10/minute;50/hour"
PASSKEY_FAILED = (
    "That passkey didn't work here. Please try again, or sign in with your email and "
    "password."
)


def _in_words(seconds: int) -> str:
    if seconds <= 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    return f"about {-(-seconds // 60)} minutes"


@bp.app_errorhandler(services.TooManyFailures)
def too_many_failures(error: services.TooManyFailures) -> Response:
    """Any page that checks a password answers 429 with Retry-After while the email must
    wait (SEC-05). The answer and the log are the same whether or not it has an account."""
    user_id = current_user.id if current_user.is_authenticated else None
    security_event("login_throttled", user_id=user_id, path=request.path,
                   retry_after=error.retry_after)
    # Flask-Limiter stamps its per-address window on every answer of a limited view and
    # would stretch this wait to that window's end (up to an hour on account pages). This
    # answer is about the email's wait, so the limiter leaves its headers off (4.1 API).
    limiter.context.view_rate_limit = None
    response = render_error(429, SLOWED_DOWN.format(wait=_in_words(error.retry_after)))
    response.headers["Retry-After"] = str(error.retry_after)
    return response


def _go(target: str):
    """A full-page navigation (HX-Redirect for htmx), so the next page carries a fresh CSRF
    token after the session changed."""
    if is_htmx():
        return "", 204, {"HX-Redirect": target}
    return redirect(target, code=303)


def _after_sign_in():
    return _go(safe_next(request.args.get("next")) or url_for("today.index"))


@bp.route("/register", methods=["GET", "POST"])
# Every attempt counts, whatever its answer: a taken email costs a password hash too.
@limiter.limit("10/hour", methods=["POST"])
def register():
    """Create an account. Anyone may call it; a signed-in user is sent to Today."""
    if current_user.is_authenticated:
        return redirect(url_for("today.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = services.register_user(**form.account_details())
        except services.EmailTaken:
            form.email.errors.append(
                "We couldn't create an account with that email. If it is yours, sign in "
                "or reset your password."
            )
        else:
            start_session(user, remember=False)
            trust_this_device(user)
            security_event("register", user_id=user.id)
            flash(f"Welcome, {user.display_name}. How are you today?", "success")
            return _after_sign_in()
    return render_form("auth/register.html", form)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(SIGN_IN_LIMIT, methods=["POST"])
def login():
    """Sign in. Wrong password and unknown email get the same answer (SEC-06)."""
    if current_user.is_authenticated:
        return redirect(url_for("today.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(
            form.email.data, form.password.data, device=presented_device()
        )
        if user is not None:
            start_session(user, remember=form.remember.data)
            trust_this_device(user)
            security_event("login", user_id=user.id, remember=bool(form.remember.data))
            return _after_sign_in()
        security_event("login_failed")
        form.password.errors.append(SIGN_IN_FAILED)
    return render_form("auth/login.html", form)


@bp.post("/logout")
@login_required
def logout():
    """Sign out this device: the session ends on the server too (SEC-10)."""
    user_id = current_user.id
    end_session()
    security_event("logout", user_id=user_id)
    flash("You're signed out. Take care.", "success")
    return _go(url_for("auth.login"))


@bp.route("/reauth", methods=["GET", "POST"])
@login_required
@limiter.limit("10/minute", methods=["POST"])
def reauth():
    """Confirm it's really the signed-in user before a sensitive action (SEC-14)."""
    form = ReauthForm()
    if form.validate_on_submit():
        if services.confirm_password(current_user, form.password.data, device=presented_device()):
            confirm_login()
            security_event("reauth", user_id=current_user.id)
            return redirect(safe_next(request.args.get("next")) or url_for("today.index"), 303)
        security_event("reauth_failed", user_id=current_user.id)
        form.password.errors.append("That isn't your password.")
        return render_form("auth/reauth.html", form, status=400)
    return render_form("auth/reauth.html", form)


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
        if reset is not None:
            security_event("password_reset_requested", user_id=reset.user.id)
            notices.send_reset_link(reset.user, reset.token)
        return render_template("auth/forgot_sent.html")
    return render_form("auth/forgot.html", form)


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
    form = ResetPasswordForm()
    if reset is not None and form.validate_on_submit():
        try:
            user = services.use_password_reset(reset, form.password.data)
        except services.ResetAlreadyUsed:
            reset = None
        else:
            session.pop(RESET_IN_SESSION, None)
            trust_this_device(user)  # it knows the new password; sign-in there isn't slowed
            security_event("password_reset", user_id=user.id)
            notices.send_password_changed(user, everywhere=True)
            flash("Your password is changed. Please sign in with it.", "success")
            return redirect(url_for("auth.login"), code=303)
    if reset is None:
        return render_template("auth/reset_invalid.html"), 404
    return render_form("auth/reset.html", form)


def _next_page() -> str:
    return safe_next(request.args.get("next")) or url_for("today.index")


@bp.post("/passkey/options")
# Looser than the sign-in itself: the sign-in page asks for one on every visit (autofill),
# and a challenge writes nothing and proves nothing.
@limiter.limit("30/minute;300/hour")
def passkey_options():
    """A fresh challenge for signing in, or confirming it's you, with a passkey (JSON). The
    browser then offers whichever of its passkeys are for this site."""
    options, challenge = passkeys.authentication_options(require_relying_party())
    keep_challenge(challenge)
    return options_response(options)


@bp.post("/passkey")
@limiter.limit(SIGN_IN_LIMIT)
def passkey_login():
    """Sign in with a passkey: the same device session, device cookie and security log as a
    password sign-in. Answers JSON: where to go next, or what went wrong."""
    if current_user.is_authenticated:
        return jsonify(redirect=url_for("today.index"))
    data = posted_json()
    try:
        user = passkeys.verify_authentication(
            data.get("credential"), take_challenge(), require_relying_party()
        )
    except passkeys.PasskeyRefused:
        security_event("login_failed", method="passkey")
        return jsonify(error=PASSKEY_FAILED), 422
    start_session(user, remember=data.get("remember") is True)
    trust_this_device(user)
    security_event("login", user_id=user.id, remember=data.get("remember") is True,
                   method="passkey")
    return jsonify(redirect=_next_page())


@bp.post("/reauth/passkey")
@login_required
@limiter.limit("10/minute")
def reauth_passkey():
    """Confirm it's really the signed-in user with one of their passkeys (SEC-14): the way
    back in for an account without a password."""
    try:
        user = passkeys.verify_authentication(
            posted_json().get("credential"), take_challenge(), require_relying_party()
        )
    except passkeys.PasskeyRefused:
        user = None
    if user is None or user.id != current_user.id:
        security_event("reauth_failed", user_id=current_user.id, method="passkey")
        return jsonify(error="That passkey isn't one of yours. Please try another."), 422
    confirm_login()
    security_event("reauth", user_id=current_user.id, method="passkey")
    return jsonify(redirect=_next_page())
