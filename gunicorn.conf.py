"""gunicorn settings for the Procfile (TRUST.md FLK-09). Override any of them with
GUNICORN_CMD_ARGS, e.g. GUNICORN_CMD_ARGS="--workers 4"."""

import multiprocessing
import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
# Threads in few processes keep memory small. Rate-limit counters kept in memory are per
# process, so with two workers each limit is really twice as high: set
# RATELIMIT_STORAGE_URI to Redis, or run WEB_CONCURRENCY=1 with more threads.
workers = int(os.environ.get("WEB_CONCURRENCY", min(2, multiprocessing.cpu_count())))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
max_requests = 1000
max_requests_jitter = 100
control_socket_disable = True
accesslog = "-"
# No query strings in the access log: reset links carry their token there.
access_log_format = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'
