"""An export built by a real consumer (`huey_consumer` with the Procfile's options, its
queue in SQLite under tmp_path), not the tests' immediate mode: the web side queues it and
gets on; the worker writes the file and marks it ready."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from huey import SqliteHuey

from tests.integration.test_queue_consumer import ROOT, wait_until, worker_command

pytestmark = pytest.mark.slow

# The web side: the database migrated to the latest revision, an account with a check-in,
# and "Make my file" tapped, which only queues the build.
ASK_FOR_AN_EXPORT = """
import flask_migrate
from webapp import create_app
from webapp.account import export
from tests import factories
app = create_app()
with app.app_context():
    flask_migrate.upgrade(directory="migrations")
    user = factories.make_user("sam@example.com", name="Sam")
    factories.make_checkin(user, 4, note="built by the worker")
    job = export.start_export(user, "json")
    print(job.id, job.status)
"""


def test_the_worker_builds_a_queued_export(tmp_path: Path):
    inherited = {k: v for k, v in os.environ.items()
                 if not k.startswith(("MAIL_", "HUEY_", "REDIS_", "ONWARD_", "DATABASE_"))}
    env = {
        **inherited,
        "ONWARD_ENV": "development",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'onward.db'}",
        "SECRET_KEY": "consumer-test-secret-key-0123456789-abcdefghij",
        "HUEY_SQLITE_PATH": str(tmp_path / "huey.db"),
        "ONWARD_EXPORT_DIR": str(tmp_path / "exports"),
        "MAIL_BACKEND": "log",
        "PYTHONUNBUFFERED": "1",
    }
    asked = subprocess.run([sys.executable, "-c", ASK_FOR_AN_EXPORT], env=env, cwd=ROOT,
                           check=True, timeout=120, capture_output=True, text=True)
    job_id, status = asked.stdout.split()[-2:]
    assert status == "queued"  # the request didn't build it
    assert SqliteHuey("onward", filename=env["HUEY_SQLITE_PATH"]).pending_count() == 1

    def job() -> tuple[str, str | None]:
        with sqlite3.connect(tmp_path / "onward.db") as db:
            return db.execute("SELECT status, file_name FROM data_exports WHERE id = ?",
                              (int(job_id),)).fetchone()

    log_path = tmp_path / "worker.log"
    with log_path.open("w") as log:
        worker = subprocess.Popen(worker_command(), env=env, cwd=ROOT, stdout=log,
                                  stderr=subprocess.STDOUT)
        try:
            wait_until(lambda: job()[0] != "queued" and job()[0] != "running"
                       or worker.poll() is not None, 90, "the export")
            assert worker.poll() is None, log_path.read_text()
            worker.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=15) == 0, log_path.read_text()
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=15)

    status, file_name = job()
    assert status == "ready", log_path.read_text()
    data = json.loads((tmp_path / "exports" / file_name).read_text())
    assert [c["note"] for c in data["tables"]["mood_checkins"]] == ["built by the worker"]
    assert oct((tmp_path / "exports").stat().st_mode & 0o777) == "0o700"
