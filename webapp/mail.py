"""Sending mail: printed to the log in development, SMTP in production, kept in memory in
tests (`outbox`).

SMTP runs on a background thread: a slow or broken mail server never delays or fails the
page (a reset request answers alike for known and unknown emails, SEC-06; a password that
was changed is not reported as an error because its notice could not be sent)."""

from __future__ import annotations

import logging
import smtplib
import threading
from email.message import EmailMessage

from flask import current_app

logger = logging.getLogger("onward.mail")

# Messages "sent" while MAIL_BACKEND is "memory" (tests read and clear this list).
outbox: list[EmailMessage] = []


def send_mail(to: str, subject: str, body: str) -> None:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)

    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        outbox.append(message)
    elif backend == "log":
        current_app.logger.info("Mail (not sent, development):\n%s", message.as_string())
    elif backend == "smtp":
        settings = {key: config[key] for key in config if key.startswith("MAIL_")}
        threading.Thread(target=_send_smtp, args=(settings, message), daemon=True).start()
    else:
        raise RuntimeError(f"Unknown MAIL_BACKEND {backend!r}")


def _send_smtp(config: dict, message: EmailMessage) -> None:
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException):
        # The subject says which kind of mail; the address and body stay out of the log.
        logger.exception("mail not sent: %s", message["Subject"])
