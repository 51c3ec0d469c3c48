"""The job queue: one Huey instance, and how its tasks get an app context.

With REDIS_URL set it keeps the queue in Redis, so every app server shares it; otherwise in
SQLite at instance/huey.db (or HUEY_SQLITE_PATH), so `make run` needs no server. Tasks live
beside what they do (mail's in mail.py, the purge in auth/tasks.py); the consumer runs
`webapp.worker.huey`, which imports them all and hands this module the app factory. Only
one consumer may run periodic tasks: start any others with `-n`.
"""

from __future__ import annotations

import functools
import logging
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from flask import Flask, has_app_context
from huey import Huey, RedisHuey, SqliteHuey
from huey.api import Task
from huey.signals import SIGNAL_INTERRUPTED

from webapp.config import INSTANCE

P = ParamSpec("P")
R = TypeVar("R")

logger = logging.getLogger("onward.tasks")


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
_app_factory: Callable[[], Flask] | None = None
_app_lock = threading.Lock()


def use_app_factory(factory: Callable[[], Flask]) -> None:
    """Tell the queue how to build the app its tasks run in (webapp/worker.py does)."""
    global _app_factory
    _app_factory = factory


def consumer_app() -> Flask:
    """The app tasks run in: built once per consumer process, with ONWARD_ENV's config."""
    global _app
    with _app_lock:  # worker threads start together; build one app, not one each
        if _app is None:
            if _app_factory is None:
                raise RuntimeError("Run the consumer on webapp.worker.huey (see the Procfile).")
            _app = _app_factory()
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


@huey.signal(SIGNAL_INTERRUPTED)
def requeue_interrupted(signal: str, task: Task, *args: Any, **kwargs: Any) -> None:
    """Put back a task cut off by shutdown (`-t`), so the next consumer runs it."""
    logger.warning("task interrupted by shutdown, queued again: %s", task.name)
    huey.enqueue(task)
