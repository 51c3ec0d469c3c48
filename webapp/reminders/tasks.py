"""Reminders on the job queue: the minute tick that sends the due ones, and test reminders."""

from __future__ import annotations

import logging

from huey import crontab

from webapp.extensions import db
from webapp.models import User
from webapp.reminders import services
from webapp.tasks import huey, in_app_context

logger = logging.getLogger("onward.tasks")


# No retries: the claim is taken before sending, so a retry could never send again anyway,
# and a tick that fails is followed by the next minute's.
@huey.periodic_task(crontab(minute="*"))
@in_app_context
def send_due_reminders() -> None:
    """Each minute: send the check-in reminders due now, once per user and local day."""
    reminded = services.send_due_reminders()
    if reminded:
        logger.info("sent check-in reminders to %s user(s)", reminded)


@huey.periodic_task(crontab(minute="23", hour="3"))
@in_app_context
def forget_old_reminder_claims() -> None:
    """Nightly: drop the claims of days long past."""
    logger.info("forgot old reminder claims: %s", services.forget_old_claims())


@huey.task()
@in_app_context
def send_test_reminder(*, user_id: int) -> None:
    """The settings page's "Send a test reminder": to every browser of the user."""
    user = db.session.get(User, user_id)
    if user is not None:  # the account may be gone by the time the task runs
        services.send_test(user)
