"""Sending mail: printed to the log in development, SMTP in production, kept in memory in
tests (`outbox`).

`send_mail` only puts the message on the job queue (`deliver_mail`); the queue's consumer
delivers it. So a reset link or a security notice survives a restart of the web process,
SMTP failures are retried, and a slow or broken mail server never delays or fails the page
(a reset request answers alike for known and unknown emails, SEC-06; a password that was
changed is not reported as an error because its notice could not be sent)."""

from __future__ import annotations

import logging
import smtplib
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from flask import current_app

from webapp.tasks import huey, in_app_context

logger = logging.getLogger("onward.mail")

# A sent marker outlives every copy of its mail task: retries end within about 16 minutes,
# and a task put back at shutdown runs when a consumer next starts.
SENT_MARKER_KEPT = timedelta(days=7)

BACKENDS = ("memory", "log", "smtp")

# Messages "sent" while MAIL_BACKEND is "memory" (tests read and clear this list).
outbox: list[EmailMessage] = []


class MailNotSent(Exception):
    """The SMTP server could not take a message; names it by its subject only."""


def send_mail(to: str, subject: str, body: str) -> None:
    """Queue a message; the queue's consumer sends it through MAIL_BACKEND."""
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


def _sent_marker(message_id: str) -> str:
    return f"mail-sent:{message_id}"


# Delays of 30 s, 1, 2, 4 and 8 min: the last try is within a reset link's 30 minutes.
@huey.task(retries=5, retry_delay=30, retry_backoff=2)
@in_app_context
def deliver_mail(message_id: str, to: str, subject: str, body: str) -> None:
    """Send one queued message through MAIL_BACKEND, unless a copy of this task already did.

    A retry, or a task put back at shutdown, finds the marker and sends nothing. Delivery is
    still at least once, not exactly once: if the process dies, or Huey's storage fails,
    after the mail server accepted the message but before the marker is stored, or two
    copies run at the same moment on two consumers, the message goes out twice. Both
    copies carry the same Message-ID, so mail systems that deduplicate show it once.
    """
    marker = _sent_marker(message_id)
    if huey.get(marker, peek=True) is not None:
        logger.info("mail already sent, not sending again: %s", subject)
        return
    deliver(build_message(message_id, to, subject, body))
    huey.put(marker, True)
    # Huey's SQLite storage has no expiry, so markers are removed by a task of their own.
    forget_sent_mail.schedule((message_id,), delay=SENT_MARKER_KEPT.total_seconds())


@huey.task()
def forget_sent_mail(message_id: str) -> None:
    """Drop a sent marker once no copy of its mail task can still turn up."""
    huey.delete(_sent_marker(message_id))
