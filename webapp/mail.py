"""Sending mail: printed to the log in development, SMTP in production, kept in memory in
tests (`outbox`).

`send_mail` writes the message to the outbox table (`outgoing_mail`) and commits, then puts
its id on the job queue (`deliver_mail`); the queue's consumer delivers it. So a reset link
or a security notice survives a restart of the web process, and a slow or broken mail
server never delays or fails the page (a reset request answers alike for known and unknown
emails, SEC-06; a password that was changed is not reported as an error because its notice
could not be sent).

The row, not the queue, is what makes the promise: Huey takes a task off the queue before
it runs it and has no acknowledgement, so a consumer killed with `kill -9` mid-send would
lose that task. Every minute `resend_unsent_mail` queues again each row nobody finished:
claimed by a consumer whose lease (MAIL_CLAIM_LEASE_SECONDS) ran out, or never claimed a
minute after it was written. A failed send is tried again the same way, after its lease,
up to MAX_ATTEMPTS times. Delivery is at least once; twice only when a consumer dies after
the mail server accepted a message and before the row was deleted, or a send outlasts its
lease. Both copies carry the same Message-ID.
"""

from __future__ import annotations

import logging
import smtplib
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr

from flask import current_app
from huey import crontab
from sqlalchemy import and_, delete, or_, select, update

from webapp.clock import now_utc
from webapp.extensions import db
from webapp.models import OutgoingMail
from webapp.tasks import huey, in_app_context

logger = logging.getLogger("onward.mail")

# Tried this many times, a lease apart (two minutes by default): the last try is within a
# reset link's 30 minutes. After that the row waits for the purge, unsent.
MAX_ATTEMPTS = 10
# A row nobody claimed within this long lost its queued task (the web process died between
# commit and enqueue, or the queue did): the periodic task queues it again.
UNCLAIMED_GRACE = timedelta(minutes=1)
# Rows given up on (or somehow left) are deleted after a day: they hold addresses and bodies.
UNSENT_KEPT = timedelta(days=1)

BACKENDS = ("memory", "log", "smtp")

# Messages "sent" while MAIL_BACKEND is "memory" (tests read and clear this list).
outbox: list[EmailMessage] = []


class MailNotSent(Exception):
    """The SMTP server could not take a message; names it by its subject only."""


def send_mail(to: str, subject: str, body: str) -> None:
    """Write the message to the outbox and queue its delivery through MAIL_BACKEND.

    Commits (with whatever else the session holds: callers send after their service has
    committed), so the message is stored before the task that sends it can run.
    """
    config = current_app.config
    if config["MAIL_BACKEND"] not in BACKENDS:
        raise RuntimeError(f"Unknown MAIL_BACKEND {config['MAIL_BACKEND']!r}")
    domain = parseaddr(config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    row = OutgoingMail(message_id=make_msgid(domain=domain), to_address=to, subject=subject,
                       body=body, attempts=0)
    db.session.add(row)
    db.session.commit()
    deliver_mail(row.id)


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


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["MAIL_CLAIM_LEASE_SECONDS"])


def claim(outgoing_id: int, now: datetime | None = None) -> OutgoingMail | None:
    """Take one unsent row for this consumer, or None when it is sent (deleted), tried too
    often, or claimed by another consumer whose lease is still running. One UPDATE, so two
    consumers never both win. Commits, so no transaction is left open."""
    now = now or now_utc()
    taken = db.session.execute(
        update(OutgoingMail)
        .where(OutgoingMail.id == outgoing_id, OutgoingMail.attempts < MAX_ATTEMPTS,
               or_(OutgoingMail.claimed_at.is_(None), OutgoingMail.claimed_at < now - _lease()))
        .values(claimed_at=now, attempts=OutgoingMail.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    row = db.session.get(OutgoingMail, outgoing_id, populate_existing=True) if taken else None
    # Ends the transaction before the send: on SQLite an open one holds the write lock, and
    # the other workers' claims would wait for the mail server.
    db.session.commit()
    return row


# No Huey retries: a failed send keeps its claim, and `resend_unsent_mail` queues it again
# once the lease is up, so the outbox is the one place that decides when to try again.
@huey.task()
@in_app_context
def deliver_mail(outgoing_id: int | str, *queued_before_the_outbox: str) -> None:
    """Send one outbox row through MAIL_BACKEND if it is still unsent and free to claim,
    then delete it (body and all: a reset link is a secret)."""
    if queued_before_the_outbox:
        # A task queued by the release before the outbox (message id, to, subject, body):
        # sent as it was then, so a deploy loses no waiting mail. Remove after one release.
        if huey.get(f"mail-sent:{outgoing_id}", peek=True) is None:  # its old sent marker
            deliver(build_message(str(outgoing_id), *queued_before_the_outbox))
        return
    row = claim(int(outgoing_id))
    if row is None:
        return
    message = build_message(row.message_id, row.to_address, row.subject, row.body)
    try:
        deliver(message)
    except MailNotSent:
        return  # logged by _send_smtp; tried again after the lease
    db.session.execute(delete(OutgoingMail).where(OutgoingMail.id == outgoing_id))
    db.session.commit()


def unsent_due(now: datetime | None = None) -> list[int]:
    """Rows that nobody is sending: claimed, but the lease ran out, or never claimed a
    minute after they were written."""
    now = now or now_utc()
    return list(db.session.scalars(
        select(OutgoingMail.id)
        .where(OutgoingMail.attempts < MAX_ATTEMPTS,
               or_(OutgoingMail.claimed_at < now - _lease(),
                   and_(OutgoingMail.claimed_at.is_(None),
                        OutgoingMail.created_at < now - UNCLAIMED_GRACE)))
        .order_by(OutgoingMail.id)
    ))


def requeue_unsent(now: datetime | None = None) -> int:
    """Queue a delivery for every row nobody is sending, and delete rows a day old (given
    up on). Returns how many were queued. Commits."""
    now = now or now_utc()
    db.session.execute(delete(OutgoingMail).where(OutgoingMail.created_at < now - UNSENT_KEPT))
    due = unsent_due(now)
    db.session.commit()  # no transaction (SQLite's write lock) left open while queueing
    for outgoing_id in due:
        deliver_mail(outgoing_id)
    return len(due)


# Every minute: what a consumer killed mid-send had taken goes out within a lease and a
# minute. Only one consumer runs periodic tasks; the claim makes a second copy harmless.
@huey.periodic_task(crontab(minute="*"))
@in_app_context
def resend_unsent_mail() -> None:
    """Queue again the mail no consumer finished."""
    queued = requeue_unsent()
    if queued:
        logger.warning("mail queued again after a lost or failed try: %s", queued)


@huey.task()
def forget_sent_mail(message_id: str) -> None:
    """Scheduled a week ahead by the release before the outbox; kept so those tasks find
    their name, and they drop the old sent marker. Remove a week after the outbox shipped."""
    huey.delete(f"mail-sent:{message_id}")
