"""Own your data on the job queue: building exports, and clearing them a day later."""

from __future__ import annotations

import logging

from huey import crontab

from webapp.account import export
from webapp.tasks import huey, in_app_context

logger = logging.getLogger("onward.tasks")


# No retries: a build that fails is marked failed, and the user can ask again.
@huey.task()
@in_app_context
def build_export(job_id: int, *, user_id: int) -> None:
    """Write one export to its file. `user_id` is there so deleting the account can find
    this task in the queue and drop it (`deletion.drop_queued_tasks`)."""
    export.build(job_id)


@huey.periodic_task(crontab(minute="*/10"))
@in_app_context
def restart_abandoned_exports() -> None:
    """Every ten minutes: a build whose worker was killed mid-task runs again (a build starts
    its file afresh), so an export asked for is made even then (TST-09)."""
    for job_id, user_id in export.abandoned_builds():
        logger.info("export %s lost its worker; queued again", job_id)
        build_export(job_id, user_id=user_id)


# No retries: a purge that fails is done by the next hour's run.
@huey.periodic_task(crontab(minute="20"))
@in_app_context
def purge_expired_exports() -> None:
    """Hourly: exports older than a day go, with their files (PRV-03)."""
    logger.info("purged expired exports: %s", export.purge_expired())
