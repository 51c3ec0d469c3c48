"""Configuration, read from the environment (12-factor).

`Config` is the base. `DevConfig` makes `make run` work on a fresh machine: SQLite and a
generated secret key, both kept in `instance/`. `ProdConfig` refuses to start without a
real SECRET_KEY and sets the cookie flags that need HTTPS. `TestConfig` is for the suite.
"""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def ratelimit_storage_uri(environ: Mapping[str, str]) -> str:
    """Where rate-limit counts live: RATELIMIT_STORAGE_URI, else REDIS_URL, else memory."""
    # The job queue's Redis is shared by every process already, so limits can use it too.
    # gunicorn.conf.py repeats this choice to pick its workers; a unit test keeps them equal.
    return environ.get("RATELIMIT_STORAGE_URI") or environ.get("REDIS_URL") or "memory://"


def normalise_database_url(url: str) -> str:
    """Accept the `postgres://` URLs hosting platforms hand out and use psycopg 3 for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


# Where to find help on a heavy day, shown on Today's low-mood care card. Nothing here is a
# phone number: numbers differ by country and a wrong one in a hard moment is worse than
# none. Operators who know their users' country put their own list in ONWARD_HELP_RESOURCES.
DEFAULT_HELP_RESOURCES = (
    ("Someone you trust: a friend, a family member, a mentor.", None),
    ("Your doctor or a local health service.", None),
    ("If you might be in danger, your local emergency number or a crisis line.", None),
    ("Find a Helpline lists free, confidential helplines in many countries.",
     "https://findahelpline.com/"),
)


def help_resources(value: str | None) -> tuple[tuple[str, str | None], ...]:
    """ONWARD_HELP_RESOURCES: one place a line, as "text" or "text | https://link". Unset,
    the defaults above; a link that is not https:// is dropped and its text kept."""
    if value is None or not value.strip():
        return DEFAULT_HELP_RESOURCES
    resources = []
    for line in value.splitlines():
        text, _, link = (part.strip() for part in line.partition("|"))
        if text:
            resources.append((text, link if link.startswith("https://") else None))
    return tuple(resources) or DEFAULT_HELP_RESOURCES


def instance_secret_key() -> str:
    """The development secret key, created once in `instance/secret_key` so sessions survive
    restarts of `make run` without anyone having to pick a key."""
    path = INSTANCE / "secret_key"
    if not path.exists():
        INSTANCE.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


def engine_options(url: str) -> dict:
    """A database server's connection can drop between requests (a restart, an idle
    timeout), so the pool tests it before handing it out. A SQLite file can't drop, and the
    test would be one more statement on every request."""
    return {} if url.startswith("sqlite") else {"pool_pre_ping": True}


class Config:
    APP_NAME = "Onward"
    SECRET_KEY: str | None = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("DATABASE_URL") or f"sqlite:///{INSTANCE / 'onward.db'}"
    )
    SQLALCHEMY_ENGINE_OPTIONS = engine_options(SQLALCHEMY_DATABASE_URI)
    MAX_CONTENT_LENGTH = 1024 * 1024
    # Where data exports are written while they wait a day to be downloaded (PRV-03).
    EXPORT_DIR = os.environ.get("ONWARD_EXPORT_DIR") or str(INSTANCE / "exports")

    # Sessions (TRUST.md FLK-01, SEC-12, SEC-13). The __Host- names need HTTPS, so the
    # development config below uses plain names over http://127.0.0.1.
    SESSION_COOKIE_NAME = "__Host-session"
    SESSION_COOKIE_SECURE = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
    # The cookie is sent again only when the session changed (the idle clock moves it at
    # most once a minute), not on every answer: a static file fetched while the user signs
    # out would otherwise bring the old cookie back.
    SESSION_REFRESH_EACH_REQUEST = False
    REMEMBER_COOKIE_NAME = "__Host-remember"
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_DURATION = timedelta(days=30)
    # The device cookie marks a browser that signed in to an account before, so it keeps
    # signing in while strangers guessing that account are slowed down (SEC-05; OWASP
    # "Slow Down Online Guessing Attacks with Device Cookies").
    DEVICE_COOKIE_NAME = "__Host-device"
    DEVICE_COOKIE_SECURE = True
    DEVICE_COOKIE_DURATION = timedelta(days=365)
    SESSION_IDLE_TIMEOUT = timedelta(minutes=30)
    SESSION_PROTECTION = "basic"

    # CSRF tokens live as long as the session, so a tab left open keeps working (FLK-05).
    WTF_CSRF_TIME_LIMIT = None
    WTF_CSRF_SSL_STRICT = True

    # memory:// is right only inside one process: gunicorn.conf.py refuses more (FLK-08).
    RATELIMIT_STORAGE_URI = ratelimit_storage_uri(os.environ)
    # Redis down: count in this process for a while rather than answer 500 to everyone
    # (the per-account sign-in throttle lives in the database regardless).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_ENABLED = True
    # Wrong passwords (TRUST.md SEC-05), counted in the database over the last hour. From a
    # browser not known to the account: the first few are free, then each attempt waits
    # twice as long as the one before, up to the cap, and never more than the ASVS ceiling
    # of failures per hour. A known browser (device cookie) is never slowed down, but after
    # its own DEVICE_FAILURES_PER_HOUR it counts as unknown.
    LOGIN_FREE_FAILURES = 5
    LOGIN_DELAY_CAP = timedelta(seconds=60)
    LOGIN_FAILURES_PER_HOUR = 100
    DEVICE_FAILURES_PER_HOUR = 10

    # Mail: "log" prints messages to the application log (development); "smtp" sends them.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "log")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "587"))
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", True)
    MAIL_FROM = os.environ.get("MAIL_FROM", "Onward <no-reply@localhost>")
    # How long a consumer may take to send one message before another may take it over
    # (webapp/mail.py): well past SMTP's 20 s timeouts, so a slow send is not doubled.
    MAIL_CLAIM_LEASE_SECONDS = int(os.environ.get("MAIL_CLAIM_LEASE_SECONDS", "120"))

    # argon2id, RFC 9106 low-memory profile: t=3, 64 MiB, p=4, about 0.2 s a hash on two
    # cores; well above the ASVS floor (t=2 with 19 MiB).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_KIB = 64 * 1024
    ARGON2_PARALLELISM = 4

    PASSWORD_RESET_MINUTES = 30
    # Passkeys (WebAuthn): the domain they belong to (no scheme, no port) and the exact
    # origin pages are served from. A passkey only works on the site it was made for, so
    # production names both; with neither set there, passkeys are simply not offered.
    # Development and tests take them from the request's host (see DevConfig).
    WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID") or None
    WEBAUTHN_ORIGIN = os.environ.get("WEBAUTHN_ORIGIN") or None
    WEBAUTHN_FROM_REQUEST = False
    # Web Push for check-in reminders (webapp/reminders/vapid.py). Without a private key
    # here, one is made once in instance/vapid_private.pem (or VAPID_KEY_FILE) and kept.
    VAPID_PRIVATE_KEY = os.environ.get("VAPID_PRIVATE_KEY")
    VAPID_PUBLIC_KEY = os.environ.get("VAPID_PUBLIC_KEY")
    VAPID_SUBJECT = os.environ.get("VAPID_SUBJECT")
    VAPID_KEY_FILE = os.environ.get("VAPID_KEY_FILE")
    # The push services browsers may subscribe through (hosts and the hosts under them);
    # the worker posts to no other. Empty: the major browsers' (webapp/reminders/services).
    PUSH_SERVICE_HOSTS = tuple(
        h.strip().lower() for h in os.environ.get("PUSH_SERVICE_HOSTS", "").split(",") if h.strip()
    )
    # Today's low-mood care card lists these (see help_resources above and the README).
    ONWARD_HELP_RESOURCES = help_resources(os.environ.get("ONWARD_HELP_RESOURCES"))
    PRIVACY_NOTICE_VERSION = "2026-11"
    # Number of proxies in front of the app that set X-Forwarded-For (SEC-38).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", "0"))
    TRUSTED_HOSTS = [h for h in os.environ.get("TRUSTED_HOSTS", "").split(",") if h] or None
    PREFERRED_URL_SCHEME = "https"

    # The one list of types sent compressed: Flask-Compress uses it for pages, and the static
    # build (webapp/static_files.py) for the .br/.gz copies WhiteNoise serves.
    COMPRESS_MIMETYPES = [
        "text/html",
        "text/css",
        "text/javascript",
        "application/javascript",
        "application/json",
        "application/manifest+json",
        "image/svg+xml",
    ]
    COMPRESS_ALGORITHM = ["br", "gzip"]
    COMPRESS_MIN_SIZE = 500
    # Where the fingerprinted and compressed copies of static/ are built at start, one
    # folder per content (webapp/static_files.py). Must be writable by the app.
    STATIC_BUILD_DIR = os.environ.get("STATIC_BUILD_DIR") or str(INSTANCE / "static")
    # On: serve static/ as it is, looked up on each request and never fingerprinted, so
    # edits to CSS and JS show without a restart (development only).
    STATIC_AUTOREFRESH = _env_bool("STATIC_AUTOREFRESH", False)


class DevConfig(Config):
    """`make run`: plain http on 127.0.0.1, so only the HTTPS-only cookie flags are relaxed."""

    SECRET_KEY = os.environ.get("SECRET_KEY") or None  # filled from instance/ in create_app
    SESSION_COOKIE_NAME = "onward_session"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_NAME = "onward_remember"
    REMEMBER_COOKIE_SECURE = False
    DEVICE_COOKIE_NAME = "onward_device"
    DEVICE_COOKIE_SECURE = False
    WTF_CSRF_SSL_STRICT = False
    PREFERRED_URL_SCHEME = "http"
    # http://localhost:5000 works for passkeys (browsers treat localhost as secure); an IP
    # address such as 127.0.0.1 never does.
    WEBAUTHN_FROM_REQUEST = True
    STATIC_AUTOREFRESH = _env_bool("STATIC_AUTOREFRESH", True)


class TestConfig(DevConfig):
    TESTING = True
    SECRET_KEY = "test-secret-key-that-is-long-enough-for-hmac-0123456789"  # noqa: S105
    SQLALCHEMY_DATABASE_URI = normalise_database_url(
        os.environ.get("TEST_DATABASE_URL") or "sqlite://"
    )
    SQLALCHEMY_ENGINE_OPTIONS = engine_options(SQLALCHEMY_DATABASE_URI)
    MAIL_BACKEND = "memory"
    RATELIMIT_STORAGE_URI = "memory://"
    # Never instance/exports: one folder per test process (tests may give their own).
    EXPORT_DIR = tempfile.mkdtemp(prefix="onward-exports-")
    STATIC_AUTOREFRESH = False  # tests see the fingerprinted build, as production does
    # Still a real argon2id hash, but a cheap one (0.5 ms, not 30 to 60): most tests make an
    # account and sign in, and at the ASVS floor the hashing alone took minutes of every run.
    # Dev and production keep Config's parameters; test_password_policy checks those.
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_KIB = 1024
    ARGON2_PARALLELISM = 1
    # Never the real instance/: a throwaway key for this test process (tests of the key file
    # itself pass their own temporary path).
    VAPID_KEY_FILE = str(Path(tempfile.gettempdir()) / f"onward-test-vapid-{os.getpid()}.pem")


class ProdConfig(Config):
    """Production: HTTPS, secure cookies, and a secret key that must come from outside."""

    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")

    @classmethod
    def check(cls, config: dict) -> None:
        """Refuse to start with a missing or short secret key, or debug on (SEC-29)."""
        key = config.get("SECRET_KEY") or ""
        if len(key.encode()) < 32:
            raise RuntimeError("SECRET_KEY must be set to at least 32 bytes in production.")
        if config.get("DEBUG"):
            raise RuntimeError("DEBUG must be off in production.")
        if not config.get("TRUSTED_HOSTS"):
            # Reset links are built from the Host header; an unchecked one could point
            # them at someone else's site (SEC-38).
            raise RuntimeError("Set TRUSTED_HOSTS to the host names Onward is served on.")


CONFIGS = {"development": DevConfig, "production": ProdConfig, "testing": TestConfig}
