"""Sign-in housekeeping on the job queue (TRUST.md PRV-08)."""

from __future__ import annotations

import logging

from huey import crontab

from webapp.auth.retention import purge_expired
from webapp.tasks import huey, in_app_context

logger = logging.getLogger("onward.tasks")


# No retries: a purge that fails is done by the next hour's run.
@huey.periodic_task(crontab(minute="0"))
@in_app_context
def purge_expired_sign_in_data() -> None:
    """Hourly: delete old login failures, spent reset links and ended device sessions."""
    logger.info("purged expired rows: %s", purge_expired())
