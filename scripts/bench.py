"""`make bench`: every page of Onward under load, next to a bare Flask "hello world" on the
same gunicorn settings, with two demo accounts (a week and five years of daily data).

One run, on loopback, bounded (about five minutes with the defaults):
  1. a production-like server: gunicorn with the Procfile's settings and --no-control-socket,
     SQLite in a temporary folder (and PostgreSQL too, with --pg, in a throwaway database);
     `flask demo-data` fills a 1-week and a 5-year account; a share link for each;
  2. the baseline: scripts/bench_hello.py on the same gunicorn settings;
  3. wrk against the baseline and every page below, at 8 and 64 connections, a fixed short
     time each, in interleaved rounds (the median of the rounds is shown);
  4. a table: req/s, p50/p99 and their ratios to the baseline; the 5-year/1-week time ratio;
     SQL statements per page; page weight (first load and repeat visit, as served); errors;
  5. with --lighthouse, Lighthouse 12.8.2 (npm, the system Chromium, mobile) on the main pages;
  6. the same figures as JSON (bench-results/ by default), so runs can be compared.

SQL statements are counted in this process: the same app (production settings, the same
database) answers one request per page through Flask's test client while an SQLAlchemy
event counts statements. Nothing in the served app reports its queries, so no header or
setting that could leak into production exists for the benchmark's sake.

Settings: see --help. Longer, steadier runs: --seconds 10 --rounds 5.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
APP = "webapp:create_app('production')"
UA = "onward-bench/2"
# The demo accounts' password: made up per run, handed to helper processes by environment.
PASSWORD = os.environ.setdefault("BENCH_DEMO_PASSWORD",
                                 "steady-harbour-" + secrets.token_hex(4) + "-lantern")
LIGHTHOUSE_VERSION = "12.8.2"
LIGHTHOUSE_DIR = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / \
    "onward-bench" / f"lighthouse-{LIGHTHOUSE_VERSION}"
CHROMIUM = os.environ.get("CHROME_PATH", "/usr/bin/chromium")
WEEK, YEARS = "1w", "5y"
DAYS = {WEEK: 7, YEARS: 5 * 365 + 1}


# The word Journal search looks for. Each account gets the same entries holding it (a page
# and one more), so both accounts' searches show the same full page of results and the
# 5-year/1-week ratio compares more data, not more results: a common word found two or
# three times in a week of demo data and twenty times in five years measured the hits.
NEEDLE = "Zephyr"
NEEDLE_ENTRIES = 21


@dataclass
class Page:
    key: str
    label: str
    path: str = ""           # filled per account for the detail and share pages
    method: str = "GET"
    lighthouse: bool = False


PAGES = [
    Page("floor", "signed-in floor: More (/account)", "/account"),
    Page("today", "Today (/)", "/", lighthouse=True),
    Page("checkin", "check-in POST (htmx)", "/checkins", method="POST"),
    Page("history", "History (/checkins)", "/checkins", lighthouse=True),
    Page("journal", "Journal", "/journal", lighthouse=True),
    Page("search", "Journal search", f"/journal?q={NEEDLE.lower()}"),
    Page("insights", "Insights", "/insights", lighthouse=True),
    Page("applications", "Applications", "/applications", lighthouse=True),
    Page("application", "an application", ""),
    Page("week", "Week", "/week", lighthouse=True),
    Page("share", "share page (/s/<token>)", ""),
]


def log(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def die(message: str) -> None:
    log(message)
    raise SystemExit(1)


# --- Servers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: Path

    def booted(self) -> int:
        return self.log_path.read_text(errors="replace").count("Booting worker")


def start_server(name: str, app: str, ready: str, env: dict, tmp: Path,
                 extra: list[str] | None = None) -> Server:
    port = free_port()
    log_path = tmp / f"{name}.log"
    # The Procfile's command; --bind keeps it on loopback (the config file binds 0.0.0.0);
    # --no-control-socket so no gunicorn.ctl is ever written, whatever the config becomes.
    command = [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py", "--no-control-socket",
               "--bind", f"127.0.0.1:{port}", *(extra or []), app]
    with open(log_path, "wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name, port, process, log_path)
    for _ in range(150):
        if process.poll() is not None:
            die(f"{name} server did not start:\n{log_path.read_text()[-3000:]}")
        with contextlib.suppress(OSError):
            status, _, _ = request(port, "GET", ready)
            if status < 500:
                return server
        time.sleep(0.1)
    die(f"{name} server did not answer on port {port} within 15 s")
    raise AssertionError


def stop_server(server: Server) -> None:
    """SIGTERM to gunicorn's own process group (gunicorn's graceful stop), then SIGKILL."""
    if server.process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGTERM)
        try:
            server.process.wait(10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()


# --- HTTP -----------------------------------------------------------------------------------


def request(port: int, method: str, path: str, headers: dict | None = None,
            body: str | None = None) -> tuple[int, dict, bytes]:
    """One request; returns status, headers (lower-case names; Set-Cookie as a list), body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers={"User-Agent": UA, **(headers or {})})
        response = conn.getresponse()
        data = response.read()
        answer: dict = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                answer.setdefault("set-cookie", []).append(value)
            else:
                answer[name.lower()] = value
        answer["_raw_header_bytes"] = len(str(response.msg).encode()) + 17
        return response.status, answer, data
    finally:
        conn.close()


CSRF_META = re.compile(rb'<meta name="csrf-token" content="([^"]+)"')


@dataclass
class Session:
    """A signed-in browser, as far as the benchmark needs one."""

    port: int
    cookies: dict = field(default_factory=dict)
    csrf: str = ""

    @property
    def cookie(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def take(self, headers: dict) -> None:
        # Production cookies are __Host- and Secure; a client on plain http keeps them anyway.
        for line in headers.get("set-cookie", []):
            name, _, rest = line.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    def get(self, path: str, encoding: str | None = None) -> tuple[int, dict, bytes]:
        headers = {"Cookie": self.cookie} if self.cookies else {}
        if encoding:
            headers["Accept-Encoding"] = encoding
        status, answer, body = request(self.port, "GET", path, headers)
        self.take(answer)
        return status, answer, body

    def sign_in(self, email: str) -> None:
        status, _, body = self.get("/auth/login")
        match = CSRF_META.search(body)
        if status != 200 or not match:
            die(f"GET /auth/login answered {status} without a CSRF token")
        from urllib.parse import urlencode
        form = urlencode({"email": email, "password": PASSWORD,
                          "csrf_token": match.group(1).decode()})
        status, answer, _ = request(self.port, "POST", "/auth/login", {
            "Cookie": self.cookie, "Content-Type": "application/x-www-form-urlencoded"}, form)
        self.take(answer)
        if status != 303:
            die(f"signing in as {email} answered {status}, not 303")
        status, _, body = self.get("/")
        match = CSRF_META.search(body)
        if status != 200 or not match:
            die(f"Today answered {status} after signing in")
        self.csrf = match.group(1).decode()


# --- Page weight --------------------------------------------------------------------------

STATIC_REF = re.compile(rb'(?:href|src)="(/static/[^"#]+)')


def cached_for_good(headers: dict) -> bool:
    cache = headers.get("cache-control", "")
    age = re.search(r"max-age=(\d+)", cache)
    return "immutable" in cache or (age is not None and int(age.group(1)) >= 86_400)


def page_weight(session: Session, path: str) -> dict:
    """Bytes over the wire (headers and bodies, compressed as served) for a first load and
    a repeat visit (static files cached when their Cache-Control allows), with br and gzip."""
    result: dict = {}
    for encoding in ("br", "gzip"):
        status, headers, body = session.get(path, encoding)
        plain = session.get(path)[2]
        first = repeat = len(body) + headers["_raw_header_bytes"]
        assets = {}
        for ref in sorted(set(STATIC_REF.findall(plain))):
            url = ref.decode()
            a_status, a_headers, a_body = session.get(url, encoding)
            size = len(a_body) + a_headers["_raw_header_bytes"]
            first += size
            if not cached_for_good(a_headers):
                repeat += size
            assets[url] = {"bytes": size, "status": a_status,
                           "cache_control": a_headers.get("cache-control", "")}
        result[encoding] = {"status": status, "html": len(body),
                            "served_as": headers.get("content-encoding", "identity"),
                            "first_load": first, "repeat_visit": repeat, "assets": assets}
    result["html_uncompressed"] = len(session.get(path)[2])
    return result


# --- SQL statements per page -----------------------------------------------------------------


def in_app(task: str, env: dict, payload: dict):
    """Run `task` (count_statements or make_share_link) in a fresh Python process with the
    backend's environment: the app reads its settings when first imported, so each
    database gets its own process."""
    done = subprocess.run([sys.executable, __file__, "--in-app", task], cwd=ROOT, env=env,
                          input=json.dumps(payload), capture_output=True, text=True,
                          check=False)
    if done.returncode:
        die(f"{task} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    line = next(line for line in reversed(done.stdout.splitlines())
                if line.startswith("BENCH-JSON: "))
    return json.loads(line.removeprefix("BENCH-JSON: "))


def count_statements(emails: dict, paths: dict) -> dict:
    """Statements per page for each account, one request each through the test client of
    the same app (production settings, same database), counted by an SQLAlchemy event."""
    from sqlalchemy import event

    from webapp import create_app
    from webapp.extensions import db

    app = create_app("production")
    counts: dict = {}
    with app.app_context():
        engine = db.engine
    statements: list[str] = []

    def record(conn, cursor, statement, *args):
        if not re.match(r"\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE)", statement, re.I):
            statements.append(statement)

    for dataset, email in emails.items():
        client = app.test_client()
        # Over https, Flask-WTF also checks the Referer, as a browser sends it.
        https = {"base_url": "https://localhost",
                 "headers": {"Referer": "https://localhost/"}}
        page = client.get("/auth/login", **https).get_data()
        token = CSRF_META.search(page).group(1).decode()
        signed = client.post("/auth/login", data={
            "email": email, "password": PASSWORD, "csrf_token": token}, **https)
        if signed.status_code != 303:
            die(f"test client could not sign in ({signed.status_code})")
        today = client.get("/", **https).get_data()
        csrf = CSRF_META.search(today).group(1).decode()
        event.listen(engine, "before_cursor_execute", record)
        try:
            for page_def in PAGES:
                if page_def.key not in paths[dataset]:
                    continue  # left out with --pages
                path = paths[dataset][page_def.key]
                statements.clear()
                if page_def.key == "share":  # as a mentor opens it: not signed in
                    answer = app.test_client().get(path, **https)
                elif page_def.method == "POST":
                    answer = client.post(
                        path, data={"mood": "4", "client_uuid": str(uuid.uuid4())},
                        base_url=https["base_url"], headers={
                            **https["headers"], "X-CSRFToken": csrf, "HX-Request": "true"})
                else:
                    answer = client.get(path, **https)
                counts.setdefault(page_def.key, {})[dataset] = {
                    "statements": len(statements), "status": answer.status_code}
        finally:
            event.remove(engine, "before_cursor_execute", record)
    return counts


def add_search_needles(emails: list[str]) -> int:
    """NEEDLE_ENTRIES journal entries holding NEEDLE for each account, through the
    journal's own service, dated in the month before the demo's last week."""
    from datetime import timedelta

    from webapp import create_app
    from webapp.auth import services as auth_services
    from webapp.journal import services as journal
    from webapp.timezones import local_today

    app = create_app("production")
    with app.app_context():
        for email in emails:
            user = auth_services.find_user_by_email(email)
            today = local_today(user.timezone)
            for n in range(NEEDLE_ENTRIES):
                journal.create_entry(user, journal.EntryInput(
                    kind="interview", title=f"{NEEDLE} Labs, conversation {n + 1}",
                    body=f"Talked with the {NEEDLE} team about the role. They asked how I "
                         "plan a week and what I learned from my last project; I want to "
                         "practise the second answer.",
                    entry_date=today - timedelta(days=8 + n)))
    return len(emails) * NEEDLE_ENTRIES


def make_share_link(email: str) -> str:
    from webapp import create_app
    from webapp.auth import services as auth_services
    from webapp.share import services as share
    from webapp.share.cards import default_cards

    app = create_app("production")
    with app.app_context():
        user = auth_services.find_user_by_email(email)
        made = share.create_link(user, label="Bench mentor",
                                 choice=share.Choice(cards=tuple(default_cards())))
        return made.token


# --- wrk ---------------------------------------------------------------------------------------


def to_ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)([a-z]+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]


def run_wrk(url: str, connections: int, seconds: int, threads: int,
            headers: dict, script: list[str] | None = None) -> dict:
    command = ["wrk", f"-t{min(threads, connections)}", f"-c{connections}", f"-d{seconds}s",
               "--timeout", "30s", "--latency"]
    for name, value in {"User-Agent": UA, **headers}.items():
        command += ["-H", f"{name}: {value}"]
    # Every page and the baseline alike, on connections that end now and then
    # (bench_churn.lua says why); the check-in and share scripts load it too.
    script = script or [str(ROOT / "scripts" / "bench_churn.lua")]
    command += ["-s", script[0], url, "--", *script[1:]]
    out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not rps:
        die(f"could not read wrk's output for {url}:\n{out}")
    requests = int(re.search(r"(\d+) requests in", out).group(1))
    # With no answer in the run wrk prints zero latencies: leave them out, not as 0 ms.
    lat = {p: to_ms(v) for p, v in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", out, re.M)
           if requests}
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    not201 = re.search(r"^checkin-not-201:\s+(\d+)", out, re.M)
    return {
        "rps": float(rps.group(1)), "p50": lat.get("50"), "p99": lat.get("99"),
        "requests": requests,
        "non_2xx": int(non2xx.group(1)) if non2xx else 0,
        "socket_errors": sum(map(int, sock.groups())) if sock else 0,
        "not_201": int(not201.group(1)) if not201 else 0,
    }


# --- Lighthouse ---------------------------------------------------------------------------------


def _lighthouse_command(binary: Path, url: str, cookie: str, out: Path) -> list[str]:
    return [
        str(binary), url, "--output=json", f"--output-path={out}", "--quiet",
        *([f"--extra-headers={json.dumps({'Cookie': cookie})}"] if cookie else []),
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu "
        "--disable-background-networking --disable-component-update --disable-sync "
        "--no-first-run",
    ]


def lighthouse(url: str, cookie: str, out: Path) -> dict:
    binary = LIGHTHOUSE_DIR / "node_modules" / ".bin" / "lighthouse"
    if not binary.exists():
        log(f"installing Lighthouse {LIGHTHOUSE_VERSION} from npm into {LIGHTHOUSE_DIR}...")
        LIGHTHOUSE_DIR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix",
                        str(LIGHTHOUSE_DIR), f"lighthouse@{LIGHTHOUSE_VERSION}"], check=True)
    # The mobile preset is Lighthouse's default (emulated phone, slow 4G, 4x CPU slowdown).
    # Chromium now and then fails to record the trace (NO_NAVSTART): try again, and if it
    # fails three times say so in the table rather than lose the whole run's figures.
    for attempt in range(3):
        done = subprocess.run(_lighthouse_command(binary, url, cookie, out), check=False,
                              env={**os.environ, "CHROME_PATH": CHROMIUM})
        if done.returncode == 0:
            break
        log(f"Lighthouse failed on {url} (try {attempt + 1} of 3)")
    else:
        return {"failed": True}
    report = json.loads(out.read_text())
    audits = report["audits"]
    return {
        **{key: round(100 * (c["score"] or 0)) for key, c in report["categories"].items()},
        "lcp_ms": audits["largest-contentful-paint"]["numericValue"],
        "tbt_ms": audits["total-blocking-time"]["numericValue"],
        "cls": audits["cumulative-layout-shift"]["numericValue"],
        "runtime_error": (report.get("runtimeError") or {}).get("code"),
    }


# --- One backend -----------------------------------------------------------------------------


def prepare_database(env: dict, tmp: Path) -> tuple[dict, dict]:
    """The release step, then the demo accounts: dataset -> email for the pages, and the
    same for the check-in POST. The POST has accounts of its own: the thousands of
    check-ins it makes would otherwise fill the days History shows (and the page itself)
    for the rounds after it."""
    def flask(*args: str, **extra_env: str) -> str:
        done = subprocess.run([str(BIN / "flask"), "--app", APP, *args], cwd=ROOT,
                              env={**env, **extra_env}, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, check=False)
        if done.returncode:
            die(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
        return done.stdout

    flask("db", "upgrade")
    emails, writers = {}, {}
    suffix = secrets.token_hex(4)
    for dataset, days in DAYS.items():
        emails[dataset] = f"bench-{dataset}-{suffix}@example.com"
        writers[dataset] = f"bench-{dataset}-checkins-{suffix}@example.com"
        for email in (emails[dataset], writers[dataset]):
            started = time.monotonic()
            # The password in the environment of this one command, never on argv.
            flask("demo-data", "--email", email, "--days", str(days),
                  ONWARD_DEMO_PASSWORD=PASSWORD)
            log(f"demo-data: {days} days for {email} in {time.monotonic() - started:.1f} s")
    return emails, writers


def bench_backend(name: str, database_url: str, args: argparse.Namespace, tmp: Path) -> dict:
    if args.limits != "memory://":
        # The bench's own Redis database, emptied so no count from an earlier run (sign-in
        # attempts, a share link's views) refuses a request of this one.
        import redis
        redis.Redis.from_url(args.limits).flushdb()
    env = {**os.environ, "DATABASE_URL": database_url,
           "SECRET_KEY": secrets.token_urlsafe(48),
           # Any host is fine on loopback, nothing is mailed; rate-limit counts where --limits
           # says, which sets gunicorn's default worker count (gunicorn.conf.py).
           "TRUSTED_HOSTS": "127.0.0.1,localhost", "RATELIMIT_STORAGE_URI": args.limits,
           "MAIL_BACKEND": "log",
           # As behind one proxy, so the share page's wrk script can give each request its
           # own address (X-Forwarded-For): its per-address limit stays on, per mentor.
           "PROXY_COUNT": "1"}
    log(f"[{name}] release step and demo data (1 week, 5 years)...")
    emails, writer_emails = prepare_database(env, tmp)
    in_app("add_search_needles", env, {"emails": list(emails.values())})
    tokens = {dataset: in_app("make_share_link", env, {"email": email})
              for dataset, email in emails.items()}

    servers = []
    try:
        onward = start_server("onward", APP, "/auth/login", env, tmp)
        servers.append(onward)
        hello = start_server("hello", "bench_hello:app", "/", env, tmp,
                             ["--pythonpath", "scripts"])
        servers.append(hello)
        sessions, paths = {}, {}
        for dataset, email in emails.items():
            session = Session(onward.port)
            session.sign_in(email)
            sessions[dataset] = session
            listing = session.get("/applications")[2]
            detail = re.search(rb'href="(/applications/\d+)"', listing)
            if not detail:
                die("no application on the list to measure")
            paths[dataset] = {p.key: p.path for p in PAGES}  # only the pages measured
            paths[dataset]["application"] = detail.group(1).decode()
            paths[dataset]["share"] = f"/s/{tokens[dataset]}"
        writers = {}
        for dataset, email in writer_emails.items():
            writers[dataset] = Session(onward.port)
            writers[dataset].sign_in(email)
        log(f"[{name}] counting SQL statements per page...")
        statements = in_app("count_statements", env, {"emails": emails, "paths": paths})
        log(f"[{name}] page weight...")
        weight = {p.key: page_weight(Session(onward.port) if p.key == "share"
                                     else sessions[YEARS], paths[YEARS][p.key])
                  for p in PAGES if p.method == "GET"}

        runs: list[dict] = []
        plan = []
        for connections in args.connections:
            plan.append(("baseline", None, connections))
            for page in PAGES:
                # The 5-year/1-week ratio is read at 8 connections; 64 is for errors.
                for dataset in ((YEARS, WEEK) if connections == min(args.connections)
                                else (YEARS,)):
                    plan.append((page.key, dataset, connections))
        total = len(plan) * args.rounds
        log(f"[{name}] wrk: {total} runs of {args.seconds} s ({args.rounds} interleaved "
            f"rounds)...")
        for round_no in range(1, args.rounds + 1):
            for key, dataset, connections in plan:
                # Above the lowest count, twice as long: 64 connections queue for longer.
                seconds = args.seconds * (1 if connections == min(args.connections) else 2)
                booted = (hello if dataset is None else onward).booted()
                if dataset is None:
                    result = run_wrk(f"http://127.0.0.1:{hello.port}/", connections,
                                     seconds, args.threads, {})
                else:
                    session = (writers if key == "checkin" else sessions)[dataset]
                    # A browser sends the newest cookie. The session's last-seen time is
                    # renewed at most once a minute (webapp/auth/sessions.py); a cookie kept
                    # from sign-in for the whole bench would make every request after that
                    # minute sign and send a new cookie, which no browser does.
                    session.get("/account")
                    headers = {"Cookie": session.cookie}
                    script = None
                    if key == "checkin":
                        headers |= {"X-CSRFToken": session.csrf, "HX-Request": "true"}
                        script = [str(ROOT / "scripts" / "bench_checkin.lua"), "past"]
                    elif key == "share":
                        headers = {}  # a mentor: never signed in
                        script = [str(ROOT / "scripts" / "bench_share.lua")]
                    result = run_wrk(f"http://127.0.0.1:{onward.port}{paths[dataset][key]}",
                                     connections, seconds, args.threads, headers,
                                     script)
                result["restarts"] = (hello if dataset is None else onward).booted() - booted
                runs.append({"round": round_no, "page": key, "dataset": dataset,
                             "connections": connections, **result})
        # wrk counts a redirect to the sign-in page as a success: check the cookie still works.
        for dataset, session in [*sessions.items(), *writers.items()]:
            if session.get("/")[0] != 200:
                die(f"[{name}] the {dataset} account was signed out during the run")
        lighthouse_scores = {}
        if args.lighthouse:
            for page in PAGES:
                if page.lighthouse or page.key == "share":
                    url = f"http://127.0.0.1:{onward.port}{paths[YEARS][page.key]}"
                    log(f"[{name}] Lighthouse on {page.label}...")
                    cookie = "" if page.key == "share" else sessions[YEARS].cookie
                    lighthouse_scores[page.key] = lighthouse(
                        url, cookie, tmp / f"lh-{page.key}.json")
    finally:
        for server in servers:
            stop_server(server)
    return {"database": name, "statements": statements, "weight": weight, "runs": runs,
            "lighthouse": lighthouse_scores}


# --- Report ---------------------------------------------------------------------------------


def median(runs: list[dict], metric: str) -> float | None:
    # A run that got no answer at all (the server stalled longer than the run, e.g. while a
    # recycled worker boots on a busy machine) has no latency: it counts as "empty", below.
    values = [r[metric] for r in runs if r.get(metric) is not None and r["requests"]]
    return statistics.median(values) if values else None


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or not b else a / b


def summarise(result: dict, connections: list[int]) -> dict:
    """Medians over rounds, ratios to the baseline, 5y/1w ratios, errors, per page."""
    runs = result["runs"]
    low = min(connections)

    def pick(page: str, dataset: str | None, conn: int) -> list[dict]:
        return [r for r in runs if r["page"] == page and r["dataset"] == dataset
                and r["connections"] == conn]

    summary: dict = {}
    for conn in connections:
        base = pick("baseline", None, conn)
        b_rps, b_p50, b_p99 = (median(base, m) for m in ("rps", "p50", "p99"))
        summary.setdefault("baseline", {})[conn] = {"rps": b_rps, "p50": b_p50, "p99": b_p99}
        for page in PAGES:
            rows = pick(page.key, YEARS, conn)
            rps, p50, p99 = (median(rows, m) for m in ("rps", "p50", "p99"))
            entry = {"rps": rps, "p50": p50, "p99": p99,
                     "rps_vs_base": ratio(rps, b_rps), "p50_vs_base": ratio(p50, b_p50),
                     "p99_vs_base": ratio(p99, b_p99),
                     "errors": sum(r["non_2xx"] + r["socket_errors"] + r["not_201"]
                                   for r in rows),
                     "restarts": sum(r["restarts"] for r in rows),
                     "empty_runs": sum(1 for r in rows if not r["requests"])}
            if conn == low:
                week = pick(page.key, WEEK, conn)
                entry["years_vs_week_p50"] = ratio(p50, median(week, "p50"))
                entry["years_vs_week_rps"] = ratio(median(week, "rps"), rps)
                entry["errors_week"] = sum(r["non_2xx"] + r["socket_errors"] + r["not_201"]
                                           for r in week)
            summary.setdefault(page.key, {})[conn] = entry
    return summary


def fmt(value: float | None, spec: str) -> str:
    width = int(re.match(r"\d*", spec).group() or 0)
    return "-".rjust(width) if value is None else format(value, spec)


def print_report(result: dict, summary: dict, meta: dict, connections: list[int]) -> int:
    low = min(connections)
    print(f"\nOnward bench, {result['database']}: {meta['date']}, {meta['machine']}")
    print(f"  {meta['settings']}")
    print(f"  load average before {meta['load_before']}, after {meta['load_after']}")
    for conn in connections:
        base = summary["baseline"][conn]
        print(f"\n{conn} connections (median of {meta['rounds']} rounds; 5-year account; "
              f"baseline {base['rps']:.0f} req/s, p50 {base['p50']:.2f} ms, "
              f"p99 {base['p99']:.2f} ms)")
        head = f"{'page':34} {'req/s':>7} {'x base':>7} {'p50 ms':>8} {'p99 ms':>8} " \
               f"{'p99 x':>6} {'errors':>6} {'empty':>5} {'restarts':>8}"
        if conn == low:
            head += f" {'5y/1w':>6}"
        print(head)
        print("-" * len(head))
        for page in PAGES:
            row = summary[page.key][conn]
            line = (f"{page.label:34} {fmt(row['rps'], '7.0f')} "
                    f"{fmt(row['rps_vs_base'], '6.1%')} {fmt(row['p50'], '8.2f')} "
                    f"{fmt(row['p99'], '8.2f')} {fmt(row['p99_vs_base'], '5.1f')}x "
                    f"{row['errors'] + row.get('errors_week', 0):6d} {row['empty_runs']:5d} "
                    f"{row['restarts']:8d}")
            if conn == low:
                line += f" {fmt(row['years_vs_week_p50'], '5.2f')}x"
            print(line)
    print("\nSQL statements per page (1 week / 5 years; one request each, test client) and "
          "page weight (5 years; bytes over the wire with headers, br as served):")
    head = f"{'page':34} {'SQL 1w':>6} {'SQL 5y':>6} {'HTML':>7} {'HTML br':>8} " \
           f"{'first br':>9} {'first gz':>9} {'repeat':>7}"
    print(head)
    print("-" * len(head))
    for page in PAGES:
        sql = result["statements"][page.key]
        w = result["weight"].get(page.key)
        cells = ("-",) * 5 if w is None else (
            w["html_uncompressed"], w["br"]["html"], w["br"]["first_load"],
            w["gzip"]["first_load"], w["br"]["repeat_visit"])
        print(f"{page.label:34} {sql[WEEK]['statements']:6d} {sql[YEARS]['statements']:6d} "
              + " ".join(f"{c:>{n}}" for c, n in zip(cells, (7, 8, 9, 9, 7), strict=True)))
    if result["lighthouse"]:
        print("\nLighthouse (mobile):")
        print(f"{'page':34} {'perf':>5} {'a11y':>5} {'best':>5} {'seo':>5} {'LCP ms':>7} "
              f"{'TBT ms':>7} {'CLS':>6}")
        for key, lh in result["lighthouse"].items():
            label = next(p.label for p in PAGES if p.key == key)
            if lh.get("failed"):
                print(f"{label:34} Lighthouse failed three times (see the log above)")
                continue
            print(f"{label:34} {lh.get('performance', 0):5d} {lh.get('accessibility', 0):5d} "
                  f"{lh.get('best-practices', 0):5d} {lh.get('seo', 0):5d} "
                  f"{lh['lcp_ms']:7.0f} {lh['tbt_ms']:7.0f} {lh['cls']:6.3f}")
    errors = sum(summary[p.key][c]["errors"] + summary[p.key][c].get("errors_week", 0)
                 for p in PAGES for c in connections)
    bad_status = [f"{k} {d}: {v['status']}" for k, by in result["statements"].items()
                  for d, v in by.items() if v["status"] not in (200, 201)]
    if bad_status:
        print(f"\nbench: pages that did not answer 200/201 in the statement count: {bad_status}")
    print(f"\nerrors (non-2xx/3xx, socket errors, check-ins not 201): {errors}")
    return 1 if errors or bad_status else 0


# --- Main --------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 2)),
                        help="seconds per wrk run (default 2; BENCH_SECONDS)")
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", 3)),
                        help="interleaved rounds; the median is shown (default 3)")
    parser.add_argument("--connections", default=os.environ.get("BENCH_CONNECTIONS", "8,64"),
                        help="comma-separated wrk connection counts (default 8,64)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--pg", action="store_true",
                        help="PostgreSQL too, in a throwaway database at BENCH_PG_URL "
                             "(default postgresql+psycopg://postgres@127.0.0.1:5432)")
    parser.add_argument("--lighthouse", action="store_true",
                        help=f"Lighthouse {LIGHTHOUSE_VERSION} (npm) on the main pages")
    parser.add_argument("--json", type=Path, help="where to write the figures "
                        "(default bench-results/bench-<UTC time>.json)")
    parser.add_argument("--pages", help="only these pages, comma-separated keys (" +
                        ",".join(p.key for p in PAGES) + "); the default is all")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--limits", choices=("redis", "memory"),
                        help="where rate-limit counts live, as in production: redis (the "
                             "default when BENCH_REDIS_URL, redis://127.0.0.1:6379/15, answers; "
                             "gunicorn then runs 2 workers x 4 threads) or memory (1 worker x 8 "
                             "threads, a single small server without Redis)")
    args = parser.parse_args()
    args.connections = sorted({int(c) for c in args.connections.split(",")})
    args.limits = limits_uri(args.limits)
    if args.pages:
        keys = args.pages.split(",")
        unknown = set(keys) - {p.key for p in PAGES}
        if unknown:
            parser.error(f"unknown pages: {', '.join(sorted(unknown))}")
        PAGES[:] = [p for p in PAGES if p.key in keys]
    if not 1 <= args.seconds <= 300 or not 1 <= args.rounds <= 20:
        parser.error("--seconds is 1 to 300 and --rounds 1 to 20")
    return args


def limits_uri(choice: str | None) -> str:
    """The rate-limit store for both servers: Redis as the README's deployment has it, in a
    database of the bench's own, unless asked for memory or no Redis answers."""
    url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15")
    if choice == "memory":
        return "memory://"
    import redis
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.RedisError as error:
        if choice == "redis":
            die(f"--limits redis: no Redis at {url} ({error})")
        log(f"no Redis at {url}: rate limits in memory (1 worker), as on a server without it")
        return "memory://"
    return url


@contextlib.contextmanager
def postgres_database():
    """A throwaway PostgreSQL database, dropped afterwards."""
    import psycopg

    server = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
    name = f"onward_bench_{secrets.token_hex(4)}"
    admin = server.replace("+psycopg", "") + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{server}/{name}"
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> int:
    if sys.argv[1:2] == ["--in-app"]:  # a helper process of in_app()
        payload = json.loads(sys.stdin.read())
        task = {"count_statements": count_statements, "make_share_link": make_share_link,
                "add_search_needles": add_search_needles}
        print("BENCH-JSON: " + json.dumps(task[sys.argv[2]](**payload)))
        return 0
    args = parse_args()
    # Ctrl-C or a TERM still stops both servers and removes the temporary folder.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    os.chdir(ROOT)
    sys.path.insert(0, str(ROOT))
    for tool in ("wrk",):
        if not shutil.which(tool):
            die(f"{tool} is not installed (apt-get install -y {tool})")
    if not (BIN / "gunicorn").exists():
        die(".venv/bin/gunicorn is missing; run 'make install-test' first")
    load_before = os.getloadavg()[0]
    if load_before > (os.cpu_count() or 1) / 2:
        log(f"WARNING: load average {load_before:.2f} on {os.cpu_count()} cores before "
            "starting: something else is running, so read the figures with care")
    import runpy
    os.environ["RATELIMIT_STORAGE_URI"] = args.limits  # read by gunicorn.conf.py
    conf = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    settings = (f"both servers: gunicorn.conf.py, {conf['workers']} worker(s) x "
                f"{conf['threads']} threads ({conf['worker_class']}), max_requests "
                f"{conf.get('max_requests', 0)}"
                + (f", GUNICORN_CMD_ARGS={os.environ['GUNICORN_CMD_ARGS']!r}"
                   if os.environ.get("GUNICORN_CMD_ARGS") else "")
                + f"; rate limits in {args.limits.split(':')[0]}"
                + f"; wrk -t{args.threads}, {args.seconds} s per run")
    tmp = Path(tempfile.mkdtemp(prefix="onward-bench."))
    results, status = [], 0
    try:
        backends = [("SQLite", f"sqlite:///{tmp}/bench.db")]
        with contextlib.ExitStack() as stack:
            if args.pg:
                backends.append(("PostgreSQL", stack.enter_context(postgres_database())))
            for name, url in backends:
                result = bench_backend(name, url, args, tmp)
                summary = summarise(result, args.connections)
                meta = {
                    "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                    "machine": f"{os.cpu_count()} cores, {platform.machine()}, "
                               f"{platform.platform(terse=True)}, Python "
                               f"{platform.python_version()}",
                    "settings": settings, "rounds": args.rounds,
                    "load_before": f"{load_before:.2f}",
                    "load_after": f"{os.getloadavg()[0]:.2f}",
                }
                status |= print_report(result, summary, meta, args.connections)
                results.append({"meta": meta, "summary": summary, **result})
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    out = args.json or ROOT / "bench-results" / \
        f"bench-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1, default=str))
    print(f"figures written to {out.relative_to(ROOT) if out.is_relative_to(ROOT) else out}")
    return status


if __name__ == "__main__":
    sys.exit(main())
