"""Cross-cutting promises: escaping, no mass assignment, quiet logs, light pages."""

import gzip
import logging
import re
import uuid

from sqlalchemy import select

from tests.conftest import PASSWORD
from webapp import mail
from webapp.extensions import db
from webapp.models import MoodCheckin, SelfCareHabit

XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>"\'{{7*7}}'


def test_user_text_is_escaped_everywhere_it_shows(app, alice, alice_id):
    alice.post("/selfcare/habits", data={"name": XSS[:40]})
    key = str(uuid.uuid4())
    alice.post("/checkins/new", data={"mood": "3", "day": "2026-01-05", "note": XSS,
                                      "client_uuid": key})
    with app.app_context():
        checkin_id = db.session.scalar(select(MoodCheckin.id))
        habit_id = db.session.scalar(select(SelfCareHabit.id).where(SelfCareHabit.builtin_key.is_(None)))
    pages = ["/", "/checkins", "/selfcare/habits", f"/checkins/{checkin_id}/edit",
             f"/checkins/{checkin_id}/delete", f"/selfcare/habits/{habit_id}/rename"]
    for url in pages:
        body = alice.get(url).get_data(as_text=True)
        assert "<script>alert" not in body and "<img src=x" not in body, url
    history = alice.get("/checkins").get_data(as_text=True)
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in history
    assert "{{7*7}}" in history  # shown as typed, never evaluated


def test_ids_and_owners_are_never_taken_from_the_form(app, alice, alice_id, bob_id):
    alice.post("/checkins", data={"mood": "3", "client_uuid": str(uuid.uuid4()),
                                  "user_id": str(bob_id), "id": "999", "payload_hash": "x"})
    alice.post("/selfcare/habits", data={"name": "Mine", "user_id": str(bob_id)})
    with app.app_context():
        checkin = db.session.scalar(select(MoodCheckin))
        assert checkin.user_id == alice_id and checkin.id != 999 and checkin.payload_hash != "x"
        habit = db.session.scalar(select(SelfCareHabit).where(SelfCareHabit.name == "Mine"))
        assert habit.user_id == alice_id


def test_logs_never_hold_passwords_tokens_cookies_or_what_people_wrote(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    note = "canary note " + uuid.uuid4().hex
    client.post("/auth/register", data={"display_name": "Canary", "email": "canary@example.com",
                                   "password": PASSWORD, "consent": "y"})
    client.post("/checkins/new", data={"mood": "2", "day": "2026-01-05", "note": note,
                                       "client_uuid": str(uuid.uuid4())})
    cookie = client.get_cookie("onward_session").value
    device = client.get_cookie("onward_device").value
    client.post("/auth/logout")
    client.post("/auth/login", data={"email": "canary@example.com", "password": "wrong " + PASSWORD})
    client.post("/auth/password/forgot", data={"email": "canary@example.com"})
    token = re.search(r"token=(\S+)", mail.outbox[-1].get_content()).group(1)
    client.get(f"/auth/password/reset?token={token}")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert '"event": "register"' in logged  # the log is really being captured
    for secret in (PASSWORD, note, cookie, token, device, device.split(".")[1]):
        assert secret not in logged


def test_first_load_of_today_fits_the_page_weight_budget(alice):
    """PERF-01: HTML <= 15 KB, CSS <= 20 KB, JS <= 30 KB, all <= 100 KB, compressed."""
    page = alice.get("/", headers={"Accept-Encoding": "gzip"})
    html = gzip.decompress(page.data).decode()
    sizes = {"html": len(page.data), "css": 0, "js": 0, "other": 0}
    for url in set(re.findall(r'(?:href|src)="(/static/[^"#]+)', html)):
        with alice.get(url, headers={"Accept-Encoding": "gzip"}) as asset:
            assert asset.status_code == 200, url
            kind = "css" if ".css" in url else "js" if ".js" in url else "other"
            sizes[kind] += len(asset.data)
    assert sizes["html"] <= 15_000
    assert sizes["css"] <= 20_000
    assert sizes["js"] <= 30_000
    assert sum(sizes.values()) <= 100_000
    assert not re.search(r'(?:href|src)="https?://', html)  # nothing from other sites


def test_signed_in_answers_resend_the_session_cookie_only_when_it_changed(alice):
    """A static file or a page read moments after sign-in sends no Set-Cookie: otherwise a
    stylesheet arriving just after the user signed out (or cleared site data) would bring
    the old session back into the browser."""
    page = alice.get("/")
    assert page.status_code == 200
    stylesheet = re.search(r'href="(/static/css/[^"]+)"', page.text).group(1)
    for url in (stylesheet, "/account"):
        with alice.get(url) as answer:
            assert answer.status_code == 200
            assert "Set-Cookie" not in answer.headers, url
