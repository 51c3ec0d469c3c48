"""The gunicorn settings the Procfile uses (TRUST.md FLK-08, FLK-09, SHR-14)."""

from __future__ import annotations

import logging
import multiprocessing
import runpy
from datetime import timedelta
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from gunicorn.config import Config

from webapp import create_app
from webapp.config import ratelimit_storage_uri
from webapp.share.tokens import new_token, token_id

CONFIG_FILE = str(Path(__file__).parents[2] / "gunicorn.conf.py")
SETTINGS = ("RATELIMIT_STORAGE_URI", "REDIS_URL", "WEB_CONCURRENCY", "GUNICORN_THREADS")


@pytest.fixture
def load(monkeypatch):
    """Read gunicorn.conf.py as gunicorn does, with exactly the given settings set."""

    def load(**env: str) -> dict:
        for name in SETTINGS:
            monkeypatch.delenv(name, raising=False)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(CONFIG_FILE)

    return load


def start(config: dict, workers: int) -> None:
    """Run the on_starting hook as gunicorn's arbiter would, with its final worker count."""
    config["on_starting"](SimpleNamespace(cfg=SimpleNamespace(workers=workers)))


def test_workers_are_bounded_and_recycled(load):
    config = load()
    assert config["timeout"] == 30
    assert config["max_requests"] == 1000 and config["max_requests_jitter"] == 100
    assert config["worker_class"] == "gthread"
    assert config["control_socket_disable"] is True


def test_the_access_log_never_prints_query_strings(load):
    # Reset links carry their token in the query string; %(U)s is the path alone.
    log_format = load()["access_log_format"]
    assert "%(U)s" in log_format
    for leaky in ("%(r)s", "%(q)s", "%(u)s", "%({cookie}i)s"):
        assert leaky not in log_format


@pytest.mark.parametrize("storage", [{}, {"RATELIMIT_STORAGE_URI": "memory://"}])
def test_limits_in_memory_mean_one_worker_with_threads(load, storage):
    config = load(**storage)
    assert (config["workers"], config["threads"]) == (1, 8)
    start(config, 1)  # and it starts


@pytest.mark.parametrize("storage", [
    {"RATELIMIT_STORAGE_URI": "redis://cache:6379/0"},
    {"REDIS_URL": "redis://queue:6379/0"},  # the job queue's Redis is used when nothing else is
])
def test_limits_in_redis_allow_a_worker_per_core(load, storage):
    config = load(**storage)
    assert config["workers"] == min(2, multiprocessing.cpu_count())
    assert config["threads"] == 4
    start(config, 4)  # --workers 4 on the command line is fine too


def test_the_operator_chooses_workers_and_threads(load):
    config = load(RATELIMIT_STORAGE_URI="redis://cache:6379/0", WEB_CONCURRENCY="3",
                  GUNICORN_THREADS="6")
    assert (config["workers"], config["threads"]) == (3, 6)
    config = load(GUNICORN_THREADS="16")
    assert (config["workers"], config["threads"]) == (1, 16)


@pytest.mark.parametrize("storage", [{}, {"RATELIMIT_STORAGE_URI": "memory://"},
                                     {"RATELIMIT_STORAGE_URI": "", "REDIS_URL": ""}])
def test_several_workers_counting_in_memory_refuse_to_start(load, storage):
    config = load(WEB_CONCURRENCY="2", **storage)
    assert config["workers"] == 2
    with pytest.raises(RuntimeError) as refused:
        start(config, 2)
    message = str(refused.value)
    assert "RATELIMIT_STORAGE_URI=redis://" in message
    assert "2 times as high" in message and "WEB_CONCURRENCY=1" in message


def test_workers_from_the_command_line_are_checked_too(load):
    # --workers and GUNICORN_CMD_ARGS never reach the module, only the arbiter's settings.
    config = load()
    with pytest.raises(RuntimeError, match="start 5 worker processes"):
        start(config, 5)


@pytest.mark.parametrize(("env", "storage"), [
    ({}, "memory://"),
    ({"RATELIMIT_STORAGE_URI": ""}, "memory://"),
    ({"RATELIMIT_STORAGE_URI": "redis://a:6379/1"}, "redis://a:6379/1"),
    ({"REDIS_URL": "redis://b:6379/0"}, "redis://b:6379/0"),
    ({"RATELIMIT_STORAGE_URI": "redis://a:6379/1", "REDIS_URL": "redis://b:6379/0"},
     "redis://a:6379/1"),
    ({"RATELIMIT_STORAGE_URI": "", "REDIS_URL": "rediss://b:6380/0"}, "rediss://b:6380/0"),
])
def test_gunicorn_and_the_app_agree_on_where_counts_live(load, env, storage):
    # gunicorn.conf.py repeats the app's choice (the master must not import webapp).
    assert ratelimit_storage_uri(env) == storage
    assert load()["limiter_storage"](env) == storage


def access_line(config: dict, log_format: str, path: str, *, referer: str = "-") -> str:
    """The access-log line gunicorn's logger from gunicorn.conf.py writes for one request."""
    cfg = Config()
    cfg.set("accesslog", "-")
    cfg.set("access_log_format", log_format)
    logger = config["logger_class"](cfg)
    written = StringIO()
    handler = logging.StreamHandler(written)
    logger.access_log.addHandler(handler)
    try:
        environ = {"REQUEST_METHOD": "GET", "RAW_URI": path, "PATH_INFO": path,
                   "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
                   "REMOTE_ADDR": "203.0.113.9", "HTTP_REFERER": referer}
        response = SimpleNamespace(status="200 OK", sent=512, headers=[("Location", path)])
        request = SimpleNamespace(headers=[("REFERER", referer)])
        logger.access(response, request, environ, timedelta(milliseconds=7))
    finally:
        logger.access_log.removeHandler(handler)
    return written.getvalue()


def test_the_access_log_writes_a_share_link_by_its_hash_prefix_never_its_token(load):
    config = load()
    assert config["logger_class"].__name__ == "RedactingLogger"
    token = new_token()
    line = access_line(config, config["access_log_format"], f"/s/{token}")
    assert token not in line
    assert f'"GET /s/{token_id(token)} HTTP/1.1" 200 512' in line
    # Whatever the format prints later (the request line, Referer, headers, the environ).
    leaky = '%(r)s %(U)s %(f)s %({referer}i)s %({location}o)s %({raw_uri}e)s %({path_info}e)s'
    line = access_line(config, leaky, f"/s/{token}/notes", referer=f"https://h/s/{token}")
    assert token not in line and line.count(f"/s/{token_id(token)}") == 7
    # Other paths are left as they are.
    assert "/share/3/renew" in access_line(config, "%(U)s", "/share/3/renew")


def test_the_preloaded_app_is_compiled_and_out_of_the_garbage_collectors_reach_before_workers_fork(
        load):
    import gc

    config = load()
    assert config["preload_app"] is True
    app = create_app("testing")
    gc.unfreeze()
    try:
        config["when_ready"](SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app),
                                             cfg=SimpleNamespace(preload_app=True)))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    # Every template is compiled already: a forked worker's first page renders from the cache.
    names = app.jinja_env.list_templates()
    assert "base.html" in names and "today/index.html" in names
    cached = {key[1] for key in app.jinja_env.cache}
    assert set(names) <= cached
