"""The gunicorn settings the Procfile uses (TRUST.md FLK-09, SHR-14)."""

import runpy
from pathlib import Path

CONFIG = runpy.run_path(str(Path(__file__).parents[2] / "gunicorn.conf.py"))


def test_workers_are_bounded_and_recycled():
    assert CONFIG["timeout"] == 30
    assert CONFIG["max_requests"] == 1000 and CONFIG["max_requests_jitter"] == 100
    assert CONFIG["workers"] >= 1 and CONFIG["threads"] >= 1
    assert CONFIG["control_socket_disable"] is True


def test_the_access_log_never_prints_query_strings():
    # Reset links carry their token in the query string; %(U)s is the path alone.
    log_format = CONFIG["access_log_format"]
    assert "%(U)s" in log_format
    for leaky in ("%(r)s", "%(q)s", "%(u)s", "%({cookie}i)s"):
        assert leaky not in log_format
