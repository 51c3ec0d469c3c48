"""The mail an account receives: reset links and notices of changes (TRUST.md SEC-07, SEC-08).
Written in one place so the wording stays consistent."""

from __future__ import annotations

from flask import current_app, url_for

from webapp.mail import send_mail
from webapp.models import User


def send_reset_link(user: User, token: str) -> None:
    link = url_for("auth.reset_password", token=token, _external=True)
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    send_mail(
        user.email,
        "Reset your Onward password",
        f"Hello {user.display_name},\n\n"
        f"Someone (hopefully you) asked to reset your Onward password. This link works once, "
        f"for {minutes} minutes:\n\n{link}\n\n"
        "If it wasn't you, you can ignore this message; your password stays as it is.\n",
    )


def send_password_changed(user: User, *, everywhere: bool) -> None:
    """`everywhere`: every device was signed out (a reset), not just the others."""
    devices = "every device was" if everywhere else "your other devices were"
    send_mail(
        user.email,
        "Your Onward password was changed",
        f"Hello {user.display_name},\n\nYour password was just changed and {devices} signed "
        "out. If this wasn't you, reset your password now.\n",
    )


def send_email_changed(user: User, old_email: str) -> None:
    send_mail(
        old_email,
        "Your Onward email was changed",
        f"Hello {user.display_name},\n\nThe email for your Onward account was just changed, "
        "so messages will now go to the new address. If this wasn't you, reset your password "
        "now and contact whoever runs this Onward.\n",
    )


def send_passkey_added(user: User, name: str) -> None:
    """A new way into the account deserves a word, as a new password or email does
    (SEC-08): a passkey added by someone else would otherwise go unnoticed."""
    send_mail(
        user.email,
        "A passkey was added to your Onward account",
        f"Hello {user.display_name},\n\nA passkey named \"{name}\" was just added to your "
        "account, so it can now be used to sign in. If this wasn't you, remove it under "
        "More, Passkeys, and change your password.\n",
    )
