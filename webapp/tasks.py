"""The job queue, and the work that runs on it: mail, and the hourly purge (TRUST.md PRV-08).

One Huey instance. With REDIS_URL set it keeps the queue in Redis, so every app server
shares it; otherwise in SQLite at instance/huey.db (or HUEY_SQLITE_PATH), so `make run`
needs no server. The consumer is `huey_consumer webapp.tasks.huey` (Procfile, Procfile.dev).
Only one consumer may run the periodic purge: start any others with `-n`.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from flask import Flask, has_app_context
from huey import Huey, RedisHuey, SqliteHuey, crontab
from huey.api import Task
from huey.signals import SIGNAL_INTERRUPTED

from webapp import create_app, mail
from webapp.auth.retention import purge_expired
from webapp.config import INSTANCE

P = ParamSpec("P")
R = TypeVar("R")

logger = logging.getLogger("onward.tasks")

# A sent marker outlives every copy of its mail task: retries end within about 16 minutes,
# and a task put back at shutdown runs when a consumer next starts.
SENT_MARKER_KEPT = timedelta(days=7)


def build_queue() -> Huey:
    """Redis when REDIS_URL is set, else SQLite; run at once in memory with HUEY_IMMEDIATE=1."""
    # Tests set HUEY_IMMEDIATE=1 in tests/conftest.py before webapp is imported: the queue
    # is built at import time, before any app exists, and tests pick their config per
    # create_app() call without setting ONWARD_ENV (the test with a real consumer needs a
    # real queue in its child processes). Passed to the constructor, immediate mode never
    # opens the SQLite file.
    immediate = os.environ.get("HUEY_IMMEDIATE") == "1"
    # Nothing reads task results; without them a failed task leaves no traceback behind.
    options: dict[str, Any] = {"results": False, "immediate": immediate}
    redis_url = os.environ.get("REDIS_URL")
    if redis_url:
        return RedisHuey("onward", url=redis_url, **options)
    # Absolute, so the web process and the consumer open the same file whatever their cwd.
    path = Path(os.environ.get("HUEY_SQLITE_PATH") or INSTANCE / "huey.db").resolve()
    if not immediate:
        path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteHuey("onward", filename=str(path), **options)


huey = build_queue()

_app: Flask | None = None
_app_lock = threading.Lock()


def consumer_app() -> Flask:
    """The app tasks run in: built once per consumer process, with ONWARD_ENV's config."""
    global _app
    with _app_lock:  # worker threads start together; build one app, not one each
        if _app is None:
            _app = create_app()
        return _app


def in_app_context(task: Callable[P, R]) -> Callable[P, R]:
    """Run a task in the active app context if there is one, else in a fresh one."""

    @functools.wraps(task)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if has_app_context():  # immediate mode in tests, or enqueued inside a request
            return task(*args, **kwargs)
        # A new context object per call: one shared context (huey.context_task) fails
        # when thread workers overlap (TOOLCHAIN-2 section 1d).
        with consumer_app().app_context():
            return task(*args, **kwargs)

    return run


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
    mail.deliver(mail.build_message(message_id, to, subject, body))
    huey.put(marker, True)
    # Huey's SQLite storage has no expiry, so markers are removed by a task of their own.
    forget_sent_mail.schedule((message_id,), delay=SENT_MARKER_KEPT.total_seconds())


@huey.task()
def forget_sent_mail(message_id: str) -> None:
    """Drop a sent marker once no copy of its mail task can still turn up."""
    huey.delete(_sent_marker(message_id))


# No retries: a purge that fails is done by the next hour's run.
@huey.periodic_task(crontab(minute="0"))
@in_app_context
def purge_expired_sign_in_data() -> None:
    """Hourly: delete old login failures, spent reset links and ended device sessions."""
    logger.info("purged expired rows: %s", purge_expired())


@huey.signal(SIGNAL_INTERRUPTED)
def requeue_interrupted(signal: str, task: Task, *args: Any, **kwargs: Any) -> None:
    """Put back a task cut off by shutdown (`-t`), so the next consumer runs it."""
    logger.warning("task interrupted by shutdown, queued again: %s", task.name)
    huey.enqueue(task)
