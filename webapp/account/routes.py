"""More: the account menu, profile, email, password and signed-in devices."""

from __future__ import annotations

from typing import TypeVar

from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask_login import current_user, fresh_login_required, login_fresh, login_required

from webapp.account import daylio, deletion, export, importing, services
from webapp.account.forms import (
    ChangeEmailForm,
    ChangePasswordForm,
    DaylioUploadForm,
    DeleteAccountForm,
    ExportForm,
    ImportForm,
    PasskeyNameForm,
    ProfileForm,
    daylio_confirm_form,
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
from webapp.auth.sessions import (
    describe_device,
    end_session,
    live_sessions,
    sign_out_other_devices,
)
from webapp.extensions import limiter, login_manager
from webapp.forms import ConfirmForm
from webapp.models import DataExport, Passkey
from webapp.ownership import get_owned_or_404
from webapp.rendering import render_form, render_page

bp = Blueprint("account", __name__, url_prefix="/account")
FormT = TypeVar("FormT", ChangeEmailForm, ChangePasswordForm)

# Uploads of a whole export may be larger than the app's 1 MiB for everything else.
LARGE_UPLOADS = frozenset({"account.import_json", "account.import_daylio"})


@bp.record_once
def _allow_large_imports(state) -> None:
    """Raise the upload limit for the import routes only. First among the app's
    before-request hooks: the CSRF check reads the form, and with it the body."""
    state.app.before_request_funcs.setdefault(None, []).insert(0, _import_limit)


def _import_limit() -> None:
    if request.endpoint in LARGE_UPLOADS:
        request.max_content_length = importing.IMPORT_LIMIT


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


def _confirmed_by_password_or_passkey(form: FormT) -> FormT:
    """`form` as the user confirms it's them: with their current password, or, for an
    account that signs in with passkeys only, by the fresh passkey sign-in the view asked
    for, so the form has no password field."""
    if not current_user.password_hash:
        del form.current_password
    return form


@bp.route("/email", methods=["GET", "POST"])
@login_required
@limiter.limit("10/hour", methods=["POST"])
def change_email():
    """Change the sign-in email. The password is asked again (SEC-14), or a passkey for an
    account without one, and the old address is told (SEC-08)."""
    if not current_user.password_hash and not login_fresh():
        return login_manager.needs_refresh()
    form = _confirmed_by_password_or_passkey(ChangeEmailForm())
    if form.validate_on_submit():
        if "current_password" in form and not auth_services.confirm_password(
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
    """Change the password; needs the current one (SEC-03) and signs out other devices. An
    account that signs in with passkeys only sets one here after confirming with a
    passkey."""
    if not current_user.password_hash and not login_fresh():
        return login_manager.needs_refresh()
    form = _confirmed_by_password_or_passkey(
        ChangePasswordForm(personal=(current_user.display_name, current_user.email)))
    if form.validate_on_submit():
        if "current_password" in form and not auth_services.confirm_password(
            current_user, form.current_password.data, device=presented_device()
        ):
            form.current_password.errors.append("That isn't your current password.")
            return render_form("account/password.html", form, status=400)
        had_one = "current_password" in form
        auth_services.set_password(
            current_user, form.new_password.data, keep_session_id=current_user.current_session.id
        )
        security_event("password_changed", user_id=current_user.id)
        notices.send_password_changed(current_user, everywhere=False)
        flash(("Password changed." if had_one else "Password set: you can sign in with it "
               "or with a passkey.") + " Your other devices were signed out.", "success")
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


# --- Own your data (PRV-02..04) -------------------------------------------------------------


@bp.get("/privacy")
def privacy():
    """What we keep, where, who can read it, and how to take it or delete it. Public."""
    return render_template("account/privacy.html")


@bp.get("/data")
@login_required
def data():
    """Your data: export it, bring it in, or delete the account."""
    return render_template("account/data.html", form=ExportForm(),
                           job=export.latest_export(current_user))


@bp.post("/data/export")
@fresh_login_required
@limiter.limit("5/hour")
def start_export():
    """Queue an export; the page then shows its progress."""
    form = ExportForm()
    if not form.validate_on_submit():
        return render_form("account/data.html", form, job=export.latest_export(current_user))
    export.start_export(current_user, form.kind.data)
    flash("We're putting your file together. It's yours to download for a day.", "success")
    return redirect(url_for("account.data"), code=303)


@bp.get("/data/exports/<id:export_id>")
@login_required
def export_status(export_id: int):
    """One export's progress: the fragment the page polls while it is built."""
    job = get_owned_or_404(DataExport, export_id)
    return render_page("account/data.html", fragment="account/partials/export_status.html",
                       job=job, form=ExportForm())


@bp.get("/data/exports/<id:export_id>/download")
@fresh_login_required
def download_export(export_id: int):
    """The export file, for its owner only, never cached (PRV-03)."""
    job = get_owned_or_404(DataExport, export_id)
    try:
        path, name = export.download(current_user, job)
    except export.ExportUnavailable:
        abort(410, "That file isn't here any more. Make a new one whenever you like.")
    response = send_file(path, as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/delete", methods=["GET", "POST"])
@fresh_login_required
@limiter.limit("10/hour", methods=["POST"])
def delete_account():
    """Delete the account and everything in it, after a typed confirmation (PRV-04)."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if deletion.confirmation_matches(current_user, form.confirm.data):
            user = current_user._get_current_object()  # type: ignore[attr-defined]
            user_id = user.id
            end_session()  # this device first: the account's rows follow at once
            deletion.delete_account(user)
            security_event("account_deleted", user_id=user_id)
            flash("Your account and everything in it are deleted. Take good care.", "success")
            return redirect(url_for("auth.login"), code=303)
        form.confirm.errors.append('That doesn\'t match. Type "delete" to confirm.')
    return render_form("account/delete.html", form)


@bp.route("/data/import", methods=["GET", "POST"])
@login_required
@limiter.limit("20/hour", methods=["POST"])
def import_json():
    """Bring in an Onward export: everything, or nothing and the reasons why."""
    form = ImportForm()
    if form.validate_on_submit():
        try:
            result = importing.import_file(current_user, form.file.data.read())
        except importing.ImportRejected as rejected:
            form.file.errors = [*form.file.errors, *rejected.shown()]
        else:
            flash(f"Brought in {result.total_added} new things; {result.matched} you "
                  "already had stayed as they were.", "success")
            return redirect(url_for("account.data"), code=303)
    return render_form("account/import.html", form)


@bp.route("/data/daylio", methods=["GET", "POST"])
@login_required
@limiter.limit("20/hour", methods=["POST"])
def import_daylio():
    """Upload a Daylio CSV; it is checked and kept for the preview, nothing written yet."""
    form = DaylioUploadForm()
    if form.validate_on_submit():
        raw = form.file.data.read()
        try:
            daylio.read(raw)
        except daylio.DaylioRejected as rejected:
            form.file.errors = [*form.file.errors, *rejected.shown()]
        else:
            daylio.drop_stash(current_user, session.get("daylio_upload"))
            session["daylio_upload"] = daylio.stash(current_user, raw)
            return redirect(url_for("account.daylio_preview"), code=303)
    return render_form("account/daylio.html", form)


@bp.route("/data/daylio/preview", methods=["GET", "POST"])
@login_required
def daylio_preview():
    """What the Daylio file would add; confirming writes it all at once."""
    rows = daylio.stashed_rows(current_user, session.get("daylio_upload"))
    if rows is None:
        flash("Choose your Daylio file to see what it would add.", "info")
        return redirect(url_for("account.import_daylio"), code=303)
    form = daylio_confirm_form(daylio.custom_moods(rows))
    if form.validate_on_submit():
        added, days = daylio.import_rows(current_user, rows, form.chosen())
        daylio.drop_stash(current_user, session.pop("daylio_upload", None))
        flash(f"Added {added} check-ins and {days} self-care days from Daylio.", "success")
        return redirect(url_for("account.data"), code=303)
    return render_form("account/daylio_preview.html", form,
                       plan=daylio.preview(current_user, rows))
