"""gunicorn settings for the Procfile (TRUST.md FLK-08, FLK-09). Override any of them with
GUNICORN_CMD_ARGS, e.g. GUNICORN_CMD_ARGS="--threads 16"."""

from __future__ import annotations

import gc
import hashlib
import multiprocessing
import os
import re
from collections.abc import Mapping
from typing import Any

from gunicorn.glogging import Logger

# Deliberately not imported from webapp.config: this file stays readable without the app
# (scripts/bench.sh and a unit test load it on its own).


def limiter_storage(environ: Mapping[str, str]) -> str:
    """Where the app keeps rate-limit counts: the same lookup as webapp.config's."""
    return environ.get("RATELIMIT_STORAGE_URI") or environ.get("REDIS_URL") or "memory://"


def limits_are_shared(environ: Mapping[str, str]) -> bool:
    """Whether every worker process counts against the same rate-limit store."""
    return not limiter_storage(environ).startswith("memory://")


def one_worker_only(workers: int) -> str:
    """Why gunicorn refuses to start `workers` processes that keep counts in memory."""
    return (
        f"gunicorn is set to start {workers} worker processes, but rate-limit counts are kept "
        "in memory (RATELIMIT_STORAGE_URI is unset or memory://). Each process would count on "
        f"its own, so every limit would really be {workers} times as high. Either set "
        "RATELIMIT_STORAGE_URI=redis://host:6379/0 (or REDIS_URL) so all processes share the "
        "counts, or run one worker with threads: WEB_CONCURRENCY=1 (GUNICORN_THREADS, 8 by "
        "default, serve requests side by side)."
    )


_shared = limits_are_shared(os.environ)
bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Counts kept in memory are right only inside one process, so without a shared store the
# default is one process whose threads share them (FLK-08); with Redis, a process per core.
workers = int(
    os.environ.get("WEB_CONCURRENCY") or (min(2, multiprocessing.cpu_count()) if _shared else 1)
)
threads = int(os.environ.get("GUNICORN_THREADS") or (4 if _shared else 8))
worker_class = "gthread"
# The app is built once in the master and each worker is forked from it, so a worker that
# max_requests recycles serves at once instead of importing and building the app again
# (about 1.8 s of CPU each time, so about 1.8 ms a request at max_requests 1000). Safe:
# create_app opens no database connection (tests/integration/test_static_files.py), so
# workers never share one. The cost: `kill -HUP` no longer loads new code; deploy by
# restarting the process (as platforms do).
preload_app = True
timeout = 30
graceful_timeout = 20
max_requests = 1000
max_requests_jitter = 100
control_socket_disable = True
accesslog = "-"
# No query strings in the access log: reset links carry their token there.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

# A share link's token is its path: /s/<token>. Written here as webapp.audit writes it in
# the app's own events (kept in step by a test, since this file must not import webapp).
SHARE_PATH = re.compile(r"/s/([^/?#\s\"\\]+)")


def redact_share_paths(text: str) -> str:
    """`text` with each `/s/<token>` written `/s/<first 8 hex digits of the token's SHA-256>`."""
    return SHARE_PATH.sub(
        lambda m: "/s/" + hashlib.sha256(m.group(1).encode()).hexdigest()[:8], text
    )


class RedactingLogger(Logger):
    """gunicorn's logger, but no access-log line ever holds a share link's token (TRUST.md
    SHR-14, SEC-33): every value a format could print (the path, the request line, the
    Referer, headers, the environ) has its `/s/<token>` redacted, so a later change of
    access_log_format can't bring the token back."""

    def __init__(self, cfg: Any) -> None:
        # The logger is the first thing the arbiter builds from its final settings, before
        # preload_app imports the app: a refused start then imports and builds nothing.
        refuse_unshared_workers(int(cfg.workers))
        super().__init__(cfg)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict:
        atoms = super().atoms(resp, req, environ, request_time)
        return {key: redact_share_paths(value) if isinstance(value, str) else value
                for key, value in atoms.items()}


logger_class = RedactingLogger


def on_starting(server: Any) -> None:
    """Refuse to start several workers that would each keep their own rate-limit counts."""
    # Checked here rather than above: only the arbiter's settings include --workers from the
    # command line or GUNICORN_CMD_ARGS. A RuntimeError makes gunicorn print it and exit 1.
    refuse_unshared_workers(int(server.cfg.workers))


def refuse_unshared_workers(workers_asked: int) -> None:
    if workers_asked > 1 and not limits_are_shared(os.environ):
        raise RuntimeError(one_worker_only(workers_asked))


def when_ready(server: Any) -> None:
    """Compile every template of the preloaded app, then move its objects out of the
    garbage collector's reach, before any worker is forked.

    Compiled here, templates are compiled once: otherwise each worker compiles each page's
    templates at its first request of it, and max_requests recycles a worker every thousand
    requests (a first Today cost 79 ms, 53 ms with its templates compiled; 3.5 ms after).
    Frozen, the objects are not scanned again and again by every worker, and touching them
    for that would copy the shared memory pages into each worker."""
    # Only an app already loaded: asking for it otherwise would load it in the master.
    app = server.app.wsgi() if server.cfg.preload_app else None
    templates = getattr(app, "jinja_env", None)
    if templates is not None:
        for name in templates.list_templates():
            templates.get_template(name)
    gc.freeze()
