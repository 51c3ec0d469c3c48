"""Sending mail: printed to the log in development, SMTP in production, kept in memory in
tests (`outbox`)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app

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
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=10) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    else:
        raise RuntimeError(f"Unknown MAIL_BACKEND {backend!r}")
