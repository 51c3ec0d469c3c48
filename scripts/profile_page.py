"""Where a page's time goes, in this process, with a week and with years of data.

`make bench` measures pages under load through gunicorn; this measures one page at a time
through Flask's test client, with the same production settings, so a change can be judged
in seconds and its cause read from a profile:

  1. a database: a SQLite file in --data (kept, so the next run reuses it), or with --pg a
     PostgreSQL database (--pg-db, kept the same way); `flask db upgrade` runs every time,
     `flask demo-data` only for an account not made before (a 1-week and a 5-year one by
     default, --days 7,365,1826 adds a 1-year one);
  2. each account signs in through the test client; each page is asked for --requests
     times, the accounts taking turns, and the median, the SQL statements and the time
     spent waiting for the database (the median request's) are printed, with the ratio of
     each account's median to the first account's; and the median CPU time of this process
     (steadier than the wall clock on a busy machine; with SQLite it includes the
     database's work, with PostgreSQL it does not);
  3. --profile: cProfile of the last account's requests of each page (the top functions by
     cumulative and by own time);
  4. --explain: each statement of the last account's request of each page, with its plan
     (SQLite's EXPLAIN QUERY PLAN, PostgreSQL's EXPLAIN ANALYZE).

  .venv/bin/python scripts/profile_page.py --pages journal,search,insights --explain
  .venv/bin/python scripts/profile_page.py --pg --profile

Not a test and not a benchmark under load: a quiet machine's medians, for comparing a
change with what came before.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
APP = "webapp:create_app('production')"
PAGES = {
    "journal": "/journal",
    "search": "/journal?q=interview",
    "insights": "/insights",
    "today": "/",
    "history": "/checkins",
}
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
HTTPS: dict[str, Any] = {"base_url": "https://localhost",
                         "headers": {"Referer": "https://localhost/"}}


def log(message: str) -> None:
    print(f"profile: {message}", file=sys.stderr, flush=True)


def environment(args: argparse.Namespace, data: Path) -> dict[str, str]:
    """Production settings on loopback: any key, nothing mailed, limits in memory."""
    secret_file = data / "secret_key"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(48))
    if args.pg:
        url = f"{args.pg_server.rstrip('/')}/{args.pg_db}"
    else:
        url = f"sqlite:///{data / 'onward.db'}"
    return {**os.environ, "DATABASE_URL": url, "SECRET_KEY": secret_file.read_text(),
            "TRUSTED_HOSTS": "localhost", "RATELIMIT_STORAGE_URI": "memory://",
            "MAIL_BACKEND": "log", "STATIC_BUILD_DIR": str(data / "static"),
            "ONWARD_EXPORT_DIR": str(data / "exports")}


def prepare(args: argparse.Namespace, data: Path, env: dict[str, str]) -> dict[str, str]:
    """The release step, and the demo accounts not made yet; returns label -> email."""
    if args.pg:
        # A throwaway database of its own; an existing one is reused (createdb says so).
        subprocess.run(["createdb", "-h", args.pg_host, "-U", "postgres", args.pg_db],
                       capture_output=True, check=False)

    def flask(*command: str, **extra: str) -> None:
        done = subprocess.run([str(BIN / "flask"), "--app", APP, *command], cwd=ROOT,
                              env={**env, **extra}, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, check=False)
        if done.returncode:
            raise SystemExit(f"flask {' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")

    flask("db", "upgrade")
    accounts_file = data / ("accounts-pg.json" if args.pg else "accounts.json")
    accounts = json.loads(accounts_file.read_text()) if accounts_file.exists() else {}
    password = accounts.pop("_password", None) or "quiet-river-" + secrets.token_hex(6)
    for days in args.days:
        label = f"{days}d"
        if label not in accounts:
            email = f"profile-{label}-{secrets.token_hex(3)}@example.com"
            started = time.monotonic()
            flask("demo-data", "--email", email, "--days", str(days),
                  ONWARD_DEMO_PASSWORD=password)
            log(f"demo-data --days {days} in {time.monotonic() - started:.0f} s")
            accounts[label] = email
            accounts_file.write_text(json.dumps({**accounts, "_password": password}))
    os.environ["PROFILE_PASSWORD"] = password
    return {f"{days}d": accounts[f"{days}d"] for days in args.days}


class Statements:
    """Every statement the app sends, with its parameters and the time until the cursor
    returned (what the request waited for the database)."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, Any, float]] = []
        self._started: list[float] = []

    def before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self._started.append(time.perf_counter())

    def after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        took = time.perf_counter() - self._started.pop()
        if not re.match(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)", statement, re.I):
            self.rows.append((statement, parameters, took))

    @property
    def seconds(self) -> float:
        return sum(took for *_, took in self.rows)


def sign_in(app, email: str):
    client = app.test_client()
    page = client.get("/auth/login", **HTTPS).get_data(as_text=True)
    token = CSRF_META.search(page).group(1)
    answer = client.post("/auth/login", data={
        "email": email, "password": os.environ["PROFILE_PASSWORD"], "csrf_token": token},
        **HTTPS)
    if answer.status_code != 303:
        raise SystemExit(f"could not sign in as {email}: {answer.status_code}")
    return client


def explain(engine, statements: Statements, postgres: bool) -> str:
    """Each statement and its plan, run again with the same parameters."""
    out = []
    with engine.connect() as conn:
        for statement, parameters, took in statements.rows:
            prefix = "EXPLAIN (ANALYZE, BUFFERS) " if postgres else "EXPLAIN QUERY PLAN "
            plan = conn.exec_driver_sql(prefix + statement, parameters).all()
            lines = ([row[0] for row in plan] if postgres
                     else [f"{'  ' * _depth(row, plan)}{row[-1]}" for row in plan])
            out.append(f"-- {took * 1000:.2f} ms\n{statement}\n  params {parameters!r}\n  "
                       + "\n  ".join(lines))
        conn.rollback()
    return "\n\n".join(out)


def _depth(row, plan) -> int:
    """Nesting of an EXPLAIN QUERY PLAN row (id, parent, notused, detail)."""
    parents = {r[0]: r[1] for r in plan}
    depth, parent = 0, row[1]
    while parent:
        depth, parent = depth + 1, parents.get(parent, 0)
    return depth


def measure(args: argparse.Namespace, emails: dict[str, str]) -> None:
    from sqlalchemy import event

    from webapp import create_app
    from webapp.extensions import db

    app = create_app("production")
    with app.app_context():
        engine = db.engine
    postgres = engine.dialect.name == "postgresql"
    clients = {label: sign_in(app, email) for label, email in emails.items()}
    labels = list(emails)
    recorder = Statements()
    event.listen(engine, "before_cursor_execute", recorder.before)
    event.listen(engine, "after_cursor_execute", recorder.after)
    print(f"\n{engine.dialect.name}: median of {args.requests} requests (the accounts take "
          f"turns); SQL = time waiting for the database in the median request")
    print(f"{'page':10} {'account':8} {'median ms':>10} {'SQL ms':>8} {'stmts':>6} "
          f"{'bytes':>8} {'ratio':>6} {'CPU ms':>8} {'ratio':>6}")
    last = labels[-1]
    for page in args.pages:
        path = PAGES.get(page, page)
        runs: dict[str, list[tuple[float, float, int, int, float]]] = {
            label: [] for label in labels}
        for label in labels:  # a first request each, not timed (caches, connections)
            clients[label].get(path, **HTTPS)
        for _ in range(args.requests):
            for label in labels:
                recorder.rows.clear()
                started, cpu = time.perf_counter(), time.process_time()
                answer = clients[label].get(path, **HTTPS)
                took, cpu = time.perf_counter() - started, time.process_time() - cpu
                if answer.status_code != 200:
                    raise SystemExit(f"{path} answered {answer.status_code} for {label}")
                runs[label].append((took, recorder.seconds, len(recorder.rows),
                                    len(answer.get_data()), cpu))
        base = statistics.median(t for t, *_ in runs[labels[0]])
        base_cpu = statistics.median(r[4] for r in runs[labels[0]])
        for label in labels:
            ordered = sorted(runs[label])
            _, sql, count, size, _ = ordered[len(ordered) // 2]
            median = statistics.median(t for t, *_ in runs[label])
            cpu = statistics.median(r[4] for r in runs[label])
            print(f"{page:10} {label:8} {median * 1000:10.2f} {sql * 1000:8.2f} {count:6} "
                  f"{size:8} {median / base:6.2f} {cpu * 1000:8.2f} {cpu / base_cpu:6.2f}")
        if args.profile:
            # Apart from the timed requests: cProfile slows what it watches.
            profiler = cProfile.Profile()
            for _ in range(args.requests):
                profiler.enable()
                clients[last].get(path, **HTTPS)
                profiler.disable()
            for order in ("cumulative", "tottime"):
                text = io.StringIO()
                pstats.Stats(profiler, stream=text).sort_stats(order).print_stats(args.top)
                print(f"\n--- profile of {page} ({last}, {args.requests} requests), by {order}")
                print(_trim(text.getvalue()))
        if args.explain:
            recorder.rows.clear()
            clients[last].get(path, **HTTPS)
            rows = Statements()
            rows.rows = list(recorder.rows)
            print(f"\n--- statements of {page} ({last})\n{explain(engine, rows, postgres)}")
    event.remove(engine, "before_cursor_execute", recorder.before)
    event.remove(engine, "after_cursor_execute", recorder.after)


def _trim(report: str) -> str:
    """pstats' table without its preamble, paths shortened to the project or the venv."""
    body = report[report.find("   ncalls"):] if "   ncalls" in report else report
    return body.replace(str(ROOT) + "/", "").replace(".venv/lib/python3", "py3")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", default="journal,search,insights",
                        help=f"comma-separated: {', '.join(PAGES)} or a path")
    parser.add_argument("--days", default="7,1826",
                        help="the accounts' days of demo data; ratios are to the first")
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--data", default=str(Path(tempfile.gettempdir()) / "onward-profile"),
                        help="folder for the SQLite file and the accounts (kept and reused)")
    parser.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    parser.add_argument("--pg-host", default="127.0.0.1")
    parser.add_argument("--pg-db", default="onward_profile")
    parser.add_argument("--profile", action="store_true", help="cProfile the last account")
    parser.add_argument("--top", type=int, default=25, help="rows of each profile")
    parser.add_argument("--explain", action="store_true", help="plans of each statement")
    args = parser.parse_args()
    args.pages = [p for p in args.pages.split(",") if p]
    args.days = [int(d) for d in args.days.split(",")]
    args.pg_server = f"postgresql+psycopg://postgres@{args.pg_host}:5432"
    data = Path(args.data)
    data.mkdir(parents=True, exist_ok=True)
    env = environment(args, data)
    emails = prepare(args, data, env)
    # The app reads its settings when first imported: set them before that.
    os.environ.update({k: v for k, v in env.items() if k not in os.environ
                       or os.environ[k] != v})
    sys.path.insert(0, str(ROOT))
    measure(args, emails)


if __name__ == "__main__":
    main()
