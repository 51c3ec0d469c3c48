"""Sending mail: printed to the log in development, SMTP in production, kept in memory in
tests (`outbox`).

`send_mail` only puts the message on the job queue (webapp.tasks); the queue's consumer
delivers it. So a reset link or a security notice survives a restart of the web process,
SMTP failures are retried, and a slow or broken mail server never delays or fails the page
(a reset request answers alike for known and unknown emails, SEC-06; a password that was
changed is not reported as an error because its notice could not be sent)."""

from __future__ import annotations

import logging
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from flask import current_app

logger = logging.getLogger("onward.mail")

BACKENDS = ("memory", "log", "smtp")

# Messages "sent" while MAIL_BACKEND is "memory" (tests read and clear this list).
outbox: list[EmailMessage] = []


class MailNotSent(Exception):
    """The SMTP server could not take a message; names it by its subject only."""


def send_mail(to: str, subject: str, body: str) -> None:
    """Queue a message; the queue's consumer sends it through MAIL_BACKEND."""
    from webapp.tasks import deliver_mail  # webapp.tasks imports this module to deliver

    config = current_app.config
    if config["MAIL_BACKEND"] not in BACKENDS:
        raise RuntimeError(f"Unknown MAIL_BACKEND {config['MAIL_BACKEND']!r}")
    # Made now, so every retry or copy of the task carries the same id: the task's "sent"
    # marker is keyed on it.
    domain = parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    deliver_mail(make_msgid(domain=domain), to, subject, body)


def build_message(message_id: str, to: str, subject: str, body: str) -> EmailMessage:
    """The message as sent, from MAIL_FROM."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message.set_content(body)
    return message


def deliver(message: EmailMessage) -> None:
    """Hand a message to MAIL_BACKEND now. Raises MailNotSent when SMTP fails."""
    config = current_app.config
    backend = config["MAIL_BACKEND"]
    if backend == "memory":
        outbox.append(message)
    elif backend == "log":
        # Development only: the log is the mailbox, so the reset link can be followed.
        current_app.logger.info("Mail (not sent, development):\n%s", message.as_string())
    elif backend == "smtp":
        _send_smtp(message)
    else:
        raise RuntimeError(f"Unknown MAIL_BACKEND {backend!r}")


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    try:
        with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=20) as smtp:
            if config["MAIL_USE_TLS"]:
                smtp.starttls()
            if config["MAIL_USERNAME"]:
                smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        # The subject says which kind of mail. The address and body stay out of the log,
        # and so does the error's text (a refused recipient is named in it).
        reason = type(error).__name__
        logger.warning("mail not sent: %s (%s)", message["Subject"], reason)
        raise MailNotSent(f"{message['Subject']} ({reason})") from None
