"""The mail outbox (webapp/mail.py): a row per message until the mail server took it, one
consumer at a time per row (the claim), and a periodic task that queues again whatever a
dead or failed consumer left (TST-09). Tasks run at once here (HUEY_IMMEDIATE); the kill -9
of a real consumer is in test_trust_crashes.py."""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from tests.conftest import ON_POSTGRES
from webapp import create_app, mail, tasks
from webapp.clock import now_utc
from webapp.config import TestConfig
from webapp.extensions import db
from webapp.models import OutgoingMail

LEASE = timedelta(seconds=120)


@pytest.fixture
def ctx(app):
    app.config.update(MAIL_BACKEND="memory", MAIL_CLAIM_LEASE_SECONDS=120)
    with app.app_context():
        yield app


def waiting(to: str = "sam@example.com", *, minutes_ago: float = 0, claimed_ago=None,
            attempts: int = 0) -> int:
    """A row as send_mail writes it, without its task having run (as if the task was lost)."""
    now = now_utc()
    row = OutgoingMail(message_id=f"<{to}.{minutes_ago}@localhost>", to_address=to,
                       subject="Hello", body="A link.", attempts=attempts,
                       created_at=now - timedelta(minutes=minutes_ago),
                       claimed_at=None if claimed_ago is None else now - claimed_ago)
    db.session.add(row)
    db.session.commit()
    return row.id


def rows() -> list[OutgoingMail]:
    db.session.expire_all()
    return list(db.session.scalars(db.select(OutgoingMail).order_by(OutgoingMail.id)))


def test_a_claimed_row_is_not_sent_by_a_second_consumer_until_its_lease_is_up(ctx):
    row_id = waiting(claimed_ago=timedelta(seconds=30))  # another consumer is sending it
    mail.deliver_mail(row_id)
    assert mail.outbox == [] and rows()[0].attempts == 0
    assert mail.claim(row_id, now=now_utc() + LEASE) is not None  # the lease ran out
    assert mail.claim(row_id, now=now_utc() + LEASE) is None  # and now it is ours alone


def test_claiming_counts_tries_and_stops_at_the_limit(ctx):
    row_id = waiting(attempts=mail.MAX_ATTEMPTS - 1)
    assert mail.claim(row_id).attempts == mail.MAX_ATTEMPTS
    assert mail.claim(row_id, now=now_utc() + 2 * LEASE) is None


def test_a_sent_row_is_deleted_with_its_body(ctx):
    row_id = waiting()
    mail.deliver_mail(row_id)
    [message] = mail.outbox
    assert message["To"] == "sam@example.com" and message.get_content() == "A link.\n"
    assert rows() == []


def test_the_periodic_task_resends_what_a_dead_consumer_or_a_lost_task_left(ctx):
    lost_task = waiting("lost@example.com", minutes_ago=2)
    dead_consumer = waiting("dead@example.com", minutes_ago=3, claimed_ago=LEASE * 1.5)
    just_queued = waiting("new@example.com")  # its task is still on its way
    being_sent = waiting("busy@example.com", minutes_ago=2, claimed_ago=timedelta(seconds=10))
    given_up = waiting("gone@example.com", minutes_ago=25, claimed_ago=LEASE * 2,
                       attempts=mail.MAX_ATTEMPTS)
    mail.resend_unsent_mail()
    assert sorted(m["To"] for m in mail.outbox) == ["dead@example.com", "lost@example.com"]
    assert [r.id for r in rows()] == [just_queued, being_sent, given_up]
    assert lost_task not in [r.id for r in rows()] and dead_consumer not in [r.id for r in rows()]
    mail.resend_unsent_mail()  # a second tick sends nothing again
    assert len(mail.outbox) == 2


def test_a_failed_send_is_tried_again_after_its_lease(ctx):
    ctx.config.update(MAIL_BACKEND="smtp", MAIL_SERVER="127.0.0.1", MAIL_PORT=1,
                      MAIL_USE_TLS=False)
    row_id = waiting()
    mail.deliver_mail(row_id)
    assert rows()[0].attempts == 1
    assert mail.requeue_unsent() == 0  # within the lease: left alone
    ctx.config["MAIL_BACKEND"] = "memory"  # the mail server is back
    # The lease runs out (moved back rather than waited for).
    db.session.execute(db.update(OutgoingMail).values(
        claimed_at=now_utc() - LEASE - timedelta(seconds=1)))
    db.session.commit()
    assert mail.requeue_unsent() == 1
    assert [m["To"] for m in mail.outbox] == ["sam@example.com"] and rows() == []


def test_rows_a_day_old_are_purged_sent_or_not(ctx):
    waiting("old@example.com", minutes_ago=24 * 60 + 1, claimed_ago=LEASE * 5,
            attempts=mail.MAX_ATTEMPTS)
    kept = waiting("new@example.com", claimed_ago=timedelta(seconds=5))
    mail.requeue_unsent()
    assert [r.id for r in rows()] == [kept]


def test_the_resend_runs_every_minute_on_the_queue():
    for h, m in ((0, 0), (9, 17), (23, 59)):
        due = [type(t) for t in tasks.huey.read_periodic(datetime(2026, 12, 1, h, m))]
        assert mail.resend_unsent_mail.task_class in due


def test_two_consumers_claiming_one_row_at_once_one_wins(tmp_path):
    """Real concurrency: two threads, each with its own connection (a SQLite file or the
    run's PostgreSQL), claim the same rows at the same moment; each row goes to one."""
    url = os.environ["TEST_DATABASE_URL"] if ON_POSTGRES else f"sqlite:///{tmp_path / 'm.db'}"

    class Settings(TestConfig):
        SQLALCHEMY_DATABASE_URI = url

    shared = create_app(Settings)
    with shared.app_context():
        db.create_all()
        ids = [waiting(f"p{n}@example.com") for n in range(10)]
        db.session.remove()
    start = threading.Barrier(2)

    def consumer() -> list[int]:
        won = []
        with shared.app_context():
            for row_id in ids:
                start.wait(timeout=10)
                if mail.claim(row_id) is not None:
                    won.append(row_id)
            db.session.remove()
        return won

    try:
        with ThreadPoolExecutor(2) as pool:
            first, second = pool.map(lambda _: consumer(), range(2))
        assert sorted(first + second) == ids and not set(first) & set(second)
    finally:
        with shared.app_context():
            db.session.execute(db.delete(OutgoingMail))
            db.session.commit()
            db.engine.dispose()
