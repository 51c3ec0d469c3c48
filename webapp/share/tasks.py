"""Share housekeeping on the job queue (TRUST.md SHR-12, PRV-08)."""

from __future__ import annotations

import logging

from huey import crontab

from webapp.share.services import purge_old_views
from webapp.tasks import huey, in_app_context

logger = logging.getLogger("onward.tasks")


# No retries: a purge that fails is done by the next day's run.
@huey.periodic_task(crontab(minute="15", hour="3"))
@in_app_context
def purge_old_share_views() -> None:
    """Daily: delete share links' access-log rows older than 90 days."""
    logger.info("purged share views older than 90 days: %s", purge_old_views())
