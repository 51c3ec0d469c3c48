"""Real gunicorn servers for the tests that need separate processes (TRUST.md TST-09), and
just enough of a browser to talk to them over HTTP."""

from __future__ import annotations

import http.client
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

from tests.factories import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
GUNICORN = Path(sys.executable).with_name("gunicorn")
PRODUCTION_CONFIG = ROOT / "gunicorn.conf.py"
PLAIN_CONFIG = Path(__file__).with_name("gunicorn_plain.conf.py")
META_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
BOOT_SECONDS = 20


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Served:
    """A running gunicorn: its port, its master's process id, and everything it printed
    once it has stopped."""

    port: int
    log: str = ""
    pid: int = 0


@contextmanager
def gunicorn(app: str, *options: str, env: Mapping[str, str],
             config: Path = PLAIN_CONFIG) -> Iterator[Served]:
    """Serve `app` (gunicorn's "module:factory(...)") on a free port until the block ends."""
    served = Served(free_port())
    # memory:// unless a test asks for Redis: a REDIS_URL in the environment (the job queue's)
    # would otherwise carry counts from one test server to the next.
    env = {**os.environ, "RATELIMIT_STORAGE_URI": "memory://", **env}
    server = subprocess.Popen(
        [str(GUNICORN), "--config", str(config), "--bind", f"127.0.0.1:{served.port}",
         "--log-level", "warning", *options, app],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    served.pid = server.pid
    booted = False
    try:
        booted = _wait_until_listening(server, served.port)
        if booted:
            yield served
    finally:
        if server.poll() is None:
            server.terminate()
        served.log = server.communicate(timeout=30)[0]
    if not booted:
        raise RuntimeError(f"gunicorn did not start:\n{served.log}")


def _wait_until_listening(server: subprocess.Popen, port: int) -> bool:
    """Whether the server listens within BOOT_SECONDS (False at once if it exits)."""
    deadline = time.monotonic() + BOOT_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        if _listening(port):
            return True
        time.sleep(0.1)
    return False


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def app_with(**overrides: object) -> str:
    """gunicorn's app argument for create_app with these config overrides (literals only)."""
    return f"webapp:create_app({overrides!r})"


class Browser:
    """Just enough of a browser: one cookie jar, the CSRF token from the page's meta tag."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.token = ""

    def request(self, method: str, path: str, form: dict | None = None, htmx: bool = False,
                headers: dict | None = None):
        """Send one request on a new connection; returns the response and its body."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
                   **(headers or {})}
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.token
        if htmx:
            headers["HX-Request"] = "true"
        try:  # closed even when the server is cut off mid-answer (a killed worker)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read().decode()
        finally:
            conn.close()
        return response, data

    def remember(self, response) -> None:
        """Keep the cookies a response sets."""
        for header in response.headers.get_all("Set-Cookie") or []:
            name, value = header.split(";", 1)[0].split("=", 1)
            self.cookies[name] = value

    def open(self, path: str) -> str:
        """GET a page as a browser would: keep its cookies and its CSRF token."""
        response, page = self.request("GET", path)
        assert response.status == 200, (path, response.status)
        self.remember(response)
        self.token = META_TOKEN.search(page).group(1)
        return page

    def sign_in(self, email: str) -> None:
        """Sign in through the login form and load Today, ready to post forms."""
        self.open("/auth/login")
        response, _ = self.request("POST", "/auth/login", {"email": email, "password": PASSWORD})
        assert response.status == 303
        self.remember(response)
        self.open("/")  # the session now holds the CSRF secret behind the token
