"""Installing Onward and the offline outbox's server side (webapp/pwa): the manifest
(PERF-06), the service worker and what it precaches (OFF-12, PERF-05), the offline shell,
the fresh CSRF token (OFF-06), the outbox's replay of a check-in, and self-care taps sent
for the day they were made."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from tests import factories
from webapp.clock import now_utc
from webapp.extensions import db
from webapp.models import MoodCheckin, SelfCareLog
from webapp.pwa import shell
from webapp.timezones import local_today


def stored_checkins(client_uuid: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(MoodCheckin).where(MoodCheckin.client_uuid == client_uuid))


def manifest_of(client) -> dict:
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response.mimetype == "application/manifest+json"
    return response.get_json(force=True)


# A content hash in the file's name, as static_url gives it (WhiteNoise's build).
FINGERPRINT = re.compile(r"\.[0-9a-f]{8,}\.\w+$")


def assert_fingerprinted_and_served(client, url: str) -> None:
    parts = urlsplit(url)
    assert parts.path.startswith("/static/"), url
    assert FINGERPRINT.search(url), f"{url} has no fingerprint"
    with client.get(url) as response:  # closes the static file it opened
        assert response.status_code == 200, url
        cache = response.headers["Cache-Control"]
        assert "max-age=31536000" in cache and "immutable" in cache, (url, cache)


def test_the_manifest_has_what_a_phone_needs_to_install_onward(client):
    manifest = manifest_of(client)
    assert manifest["name"] == manifest["short_name"] == "Onward"
    assert manifest["description"]
    assert manifest["start_url"] == manifest["scope"] == "/"
    assert manifest["display"] == "standalone"
    assert manifest["theme_color"] == "#2f6f5e" and manifest["background_color"] == "#f6f4ef"
    assert manifest["user_preferences"]["color_scheme_dark"]["theme_color"] == "#12211d"
    icons = {(icon["sizes"], icon["type"], icon["purpose"]) for icon in manifest["icons"]}
    assert {("192x192", "image/png", "any"), ("512x512", "image/png", "any"),
            ("512x512", "image/png", "maskable"), ("any", "image/svg+xml", "any")} <= icons
    for icon in manifest["icons"]:
        assert_fingerprinted_and_served(client, icon["src"])
    for screenshot in manifest["screenshots"]:
        assert screenshot["form_factor"] == "narrow" and screenshot["label"]
        assert_fingerprinted_and_served(client, screenshot["src"])
    assert len(manifest["screenshots"]) >= 1


def test_the_shortcuts_open_pages_that_exist(alice):
    shortcuts = {s["name"]: s["url"] for s in manifest_of(alice)["shortcuts"]}
    assert set(shortcuts) == {"Quick check-in", "Journal", "I got a rejection"}
    for name, url in shortcuts.items():
        assert alice.get(url).status_code == 200, name


def test_app_pages_link_the_manifest_and_share_pages_do_not(app, client, alice, alice_id):
    for page in (client.get("/auth/login"), alice.get("/")):
        html = page.get_data(as_text=True)
        assert '<link rel="manifest" href="/manifest.webmanifest">' in html
        assert re.search(r'<link rel="apple-touch-icon" href="/static/icons/apple-touch-icon\.[0-9a-f]{8,}\.png">',
                         html)
    with app.app_context():
        token = factories.make_share_link(factories.user_by_id(alice_id)).token
    mentor_page = client.get(f"/s/{token}")
    assert mentor_page.status_code == 200
    html = mentor_page.get_data(as_text=True)
    assert 'rel="manifest"' not in html and "sw.js" not in html and "offline.js" not in html


def test_the_service_worker_is_a_script_for_the_whole_site_checked_on_every_load(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    assert response.headers["Service-Worker-Allowed"] == "/"
    body = response.get_data(as_text=True)
    assert "{%" not in body and "{{" not in body  # rendered, including the push include


def precache_of(client) -> list[str]:
    body = client.get("/sw.js").get_data(as_text=True)
    match = re.search(r"^var PRECACHE = (\[.*\]);$", body, re.M)
    assert match, "no PRECACHE list in sw.js"
    return json.loads(match.group(1))


def test_the_precache_holds_only_fingerprinted_static_files_and_the_offline_shell(client):
    urls = precache_of(client)
    assert urls[0] == "/offline"
    for url in urls[1:]:
        assert_fingerprinted_and_served(client, url)
    # Each file under its plain name: the fingerprint taken out of the file's name.
    paths = {re.sub(r"\.[0-9a-f]{8,}(\.\w+)$", r"\1", urlsplit(url).path) for url in urls}
    for needed in ("/static/css/app.css", "/static/js/app.js", "/static/js/outbox.js",
                   "/static/js/offline.js", "/static/icons/sprite.svg",
                   "/static/vendor/htmx/htmx-2.0.11.min.js"):
        assert needed in paths
    assert not any(path.startswith("/s/") for path in paths)
    body = client.get("/sw.js").get_data(as_text=True)
    assert 'var CACHE = "onward-shell-" + VERSION;' in body
    assert f'var VERSION = "{shell.cache_version(urls)}";' in body


def test_the_cache_name_changes_with_any_fingerprint():
    before = ["/offline", "/static/css/app.aaaaaaaa.css", "/static/js/app.bbbbbbbb.js"]
    after = ["/offline", "/static/css/app.aaaaaaaa.css", "/static/js/app.cccccccc.js"]
    assert shell.cache_version(before) == shell.cache_version(list(before))
    assert shell.cache_version(before) != shell.cache_version(after)


def test_the_offline_shell_is_the_same_for_everyone_and_holds_no_token(client, alice):
    mine = alice.get("/offline")
    anyone = client.get("/offline")
    assert mine.status_code == anyone.status_code == 200
    assert mine.headers["Cache-Control"] == "no-store"
    html = mine.get_data(as_text=True)
    assert html == anyone.get_data(as_text=True)
    assert "Alice" not in html and "csrf" not in html.lower()
    assert "data-checkin-form" in html and 'aria-label="Mood: good"' in html
    assert "Set-Cookie" not in anyone.headers  # no session is started for it


def test_the_csrf_token_endpoint_says_who_is_signed_in_and_is_never_stored(client, alice, alice_id):
    anonymous = client.get("/csrf-token")
    assert anonymous.headers["Cache-Control"] == "no-store"
    assert anonymous.get_json()["account"] is None
    mine = alice.get("/csrf-token").get_json()
    assert mine["account"] == alice_id and mine["token"]


def test_the_outbox_replay_with_a_fresh_token_saves_a_check_in_once(app, alice, alice_id):
    """What outbox.js sends: a token fetched just now, the Idempotency-Key and the form's
    id, HX-Request; the same item sent again is answered 200 with the same id."""
    key = str(uuid.uuid4())
    made = (now_utc() - timedelta(hours=2)).isoformat()

    def replay():
        token = alice.get("/csrf-token").get_json()["token"]
        return alice.post("/checkins", csrf=False, data={
            "csrf_token": token, "client_uuid": key, "client_created_at": made, "mood": "4",
        }, headers={"X-CSRFToken": token, "HX-Request": "true", "Idempotency-Key": key})

    first, second = replay(), replay()
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.headers["X-Checkin-Id"] == second.headers["X-Checkin-Id"]
    with app.app_context():
        assert stored_checkins(key) == 1


def test_a_replay_without_a_session_is_401_and_stores_nothing(app, client, alice_id):
    token = client.get("/csrf-token").get_json()["token"]
    key = str(uuid.uuid4())
    response = client.post("/checkins", csrf=False, data={
        "csrf_token": token, "client_uuid": key, "mood": "4"},
        headers={"X-CSRFToken": token, "HX-Request": "true", "Idempotency-Key": key})
    assert response.status_code == 401
    with app.app_context():
        assert stored_checkins(key) == 0


@pytest.mark.parametrize(("days_back", "status", "stored"), [
    (0, 200, True), (1, 200, True), (30, 200, True), (31, 422, False), (-1, 422, False),
])
def test_a_self_care_tap_is_stored_for_the_day_it_names(app, alice, alice_id, days_back,
                                                      status, stored):
    with app.app_context():
        user = factories.user_by_id(alice_id)
        habit = factories.habit_named(user, "Exercise")
        day = local_today(user.timezone) - timedelta(days=days_back)
        habit_id = habit.id
    response = alice.htmx("POST", f"/selfcare/habits/{habit_id}/done",
                          data={"done": "1", "day": day.isoformat()})
    assert response.status_code == status
    with app.app_context():
        days = db.session.scalars(select(SelfCareLog.local_date).where(
            SelfCareLog.user_id == alice_id, SelfCareLog.habit_id == habit_id)).all()
        assert days == ([day] if stored else [])


@pytest.mark.parametrize("path", ["/sw.js", "/manifest.webmanifest", "/offline"])
def test_the_browser_fetching_the_worker_on_its_own_leaves_the_sign_in_fresh(alice, path):
    """The browser fetches the worker script itself, with the cookies but not always the
    page's User-Agent (a mismatch trips session protection): these answers never touch
    the session, so a fresh sign-in stays fresh for the pages that need one."""
    response = alice.get(path, headers={"User-Agent": "SomeOtherAgent/1.0"})
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    page = alice.get("/share/new")
    assert page.status_code == 200, page.headers.get("Location")
