"""Mentor share pages over HTTP (TRUST.md SHR-01..15, SEC-14, SEC-17, SEC-33, FLK-08).

The owner makes, widens, renews and ends links; a mentor with no account opens one and may
leave a note. Whatever the owner did not choose never reaches the page, and every token that
opens nothing gets the very same 404.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import timedelta

import pytest
import time_machine
from flask import Flask
from sqlalchemy import func, select

from tests import factories
from tests.conftest import PASSWORD, BrowserLikeClient
from tests.factories import SHARE_CANARY
from webapp.clock import now_utc
from webapp.extensions import db
from webapp.models import MentorNote, ShareLink, ShareView, User
from webapp.share import tokens
from webapp.share.cards import CARDS

CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
URL_ON_PAGE = re.compile(r'value="(http://localhost/s/[A-Za-z0-9_-]+)"')
WARNING = "Anyone who has this link can open the page and see these cards"
PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0 Mobile Safari/537.36")


def text(response) -> str:
    return response.get_data(as_text=True)


def in_app(app: Flask, make, *args, **kwargs):
    with app.app_context():
        return make(*args, **kwargs)


def link_for(app: Flask, user_id: int, **options) -> factories.share.NewLink:
    return in_app(app, lambda: factories.make_share_link(db.session.get(User, user_id), **options))


def not_fresh(client: BrowserLikeClient) -> BrowserLikeClient:
    """As after "keep me signed in" brought the session back, or a move to another network:
    signed in, but not freshly (Flask-Login's `_fresh`)."""
    with client.session_transaction() as session:
        session["_fresh"] = False
    return client


def note_form(client: BrowserLikeClient, token: str, **fields) -> dict:
    """The note form as the mentor's browser fills it, CSRF token from the page's own field."""
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    return {"csrf_token": CSRF_FIELD.search(text(page)).group(1), **fields}


def count(app: Flask, model) -> int:
    return in_app(app, lambda: db.session.scalar(select(func.count()).select_from(model)))


# --- Making a link ----------------------------------------------------------------------------


def test_the_new_link_form_starts_with_mood_and_company_names_off(alice):
    page = text(alice.get("/share/new"))
    assert WARNING in page
    for key in CARDS:
        box = re.search(rf'<input type="checkbox" name="cards" value="{key}"[^>]*>', page).group(0)
        assert ("checked" in box) == (key != "mood"), key
    names = re.search(r'<input[^>]*name="show_company_names"[^>]*>', page).group(0)
    assert "checked" not in names


def test_making_a_link_shows_its_url_once_and_keeps_only_a_hash(app, alice, alice_id):
    made = alice.post("/share/new", data={"label": "for Sam, my mentor", "days": "30",
                                          "cards": ["week", "wins"]})
    assert made.status_code == 201
    page = text(made)
    assert WARNING in page and "the only time Onward shows it" in page
    url = URL_ON_PAGE.search(page).group(1)
    token = url.rsplit("/", 1)[1]
    assert tokens.looks_like_token(token)
    assert 'src="/static/js/share.' in page and "<script>" not in page  # no inline code
    with app.app_context():
        link = db.session.scalar(select(ShareLink))
        assert (link.user_id, link.label, link.cards) == (alice_id, "for Sam, my mentor",
                                                          ["week", "wins"])
        assert link.token_hash == tokens.token_hash(token)
        assert not link.show_company_names
        assert timedelta(days=29, hours=23) < link.expires_at - now_utc() <= timedelta(days=30)
    # Never again: not on the list, not on the link's page.
    for later in ("/share", f"/share/{link.id}"):
        assert token not in text(alice.get(later))
    assert alice.get(url).status_code == 200


@pytest.mark.parametrize(("form", "message"), [
    ({"label": "", "days": "30", "cards": ["week"]}, "Say who the link is for."),
    ({"label": "x" * 81, "days": "30", "cards": ["week"]}, "81"),
    ({"label": "Sam", "days": "181", "cards": ["week"]}, "from 1 to 180"),
    ({"label": "Sam", "days": "0", "cards": ["week"]}, "from 1 to 180"),
    ({"label": "Sam", "days": "30"}, "Choose at least one card"),
    ({"label": "Sam", "days": "30", "cards": ["week", "passwords"]}, "not a valid choice"),
])
def test_a_link_needs_a_label_1_to_180_days_and_a_card(app, alice, form, message):
    response = alice.post("/share/new", data=form)
    assert response.status_code == 422
    assert message in text(response) or message == "81"
    assert count(app, ShareLink) == 0


def test_making_renewing_and_showing_more_need_a_fresh_login(app, alice, alice_id):
    link = link_for(app, alice_id, cards=("week",)).link
    not_fresh(alice)
    back = {"Referer": f"http://localhost/share/{link.id}"}
    asks = [
        alice.get("/share/new"),
        alice.post("/share/new", data={"label": "Sam", "days": "30", "cards": ["week"]},
                   headers={"Referer": "http://localhost/share/new"}),
        alice.post(f"/share/{link.id}/renew", data={"days": "90"}, headers=back),
        alice.post(f"/share/{link.id}/cards", data={"cards": ["week", "mood"]}, headers=back),
        alice.post(f"/share/{link.id}/cards", data={"cards": ["week"], "show_company_names": "y"},
                   headers=back),
    ]
    for response in asks:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/auth/reauth?next=/share")
    assert count(app, ShareLink) == 1
    with app.app_context():
        same = db.session.get(ShareLink, link.id)
        assert same.cards == ["week"] and same.expires_at == link.expires_at
    # Showing less, or ending it, never waits for a password.
    narrowed = alice.post(f"/share/{link.id}/cards", data={"cards": ["week"]}, headers=back)
    assert narrowed.status_code == 303
    assert alice.post(f"/share/{link.id}/revoke").status_code == 303
    # With the password confirmed, making a link works.
    assert alice.post("/auth/reauth?next=/share/new",
                      data={"password": factories.PASSWORD}).status_code == 303
    assert alice.post("/share/new", data={"label": "Sam", "days": "30",
                                          "cards": ["week"]}).status_code == 201


def test_widening_from_a_fresh_session_is_saved(app, alice, alice_id):
    link = link_for(app, alice_id, cards=("week",)).link
    response = alice.post(f"/share/{link.id}/cards",
                          data={"cards": ["week", "applications"], "show_company_names": "y"})
    assert response.status_code == 303
    with app.app_context():
        saved = db.session.get(ShareLink, link.id)
        assert (saved.cards, saved.show_company_names) == (["week", "applications"], True)


def test_the_list_shows_label_cards_dates_and_views(app, alice, alice_id):
    new = link_for(app, alice_id, label="for Kim, my coach", cards=("week", "skills"))
    app.test_client().get(f"/s/{new.token}")
    page = text(alice.get("/share"))
    assert "for Kim, my coach" in page
    assert "This week&#39;s goals, Skills and courses" in page
    assert "Open until" in page and "Made" in page
    assert "1 time, last on" in page
    assert "Not yet" not in page


# --- What the mentor sees ---------------------------------------------------------------------

NEVER = (SHARE_CANARY, "alice@example.com", "canary-recruiter@example.com", "anxious",
         "hopeful")


@pytest.fixture
def progress(app, alice_id) -> dict:
    """Alice's progress for every card, with SHARE_CANARY in every field no card shows."""
    return in_app(app, lambda: factories.seed_shareable_progress(db.session.get(User, alice_id)))


def mentor_page(app: Flask, alice_id: int, **options) -> str:
    new = link_for(app, alice_id, **options)
    response = app.test_client().get(f"/s/{new.token}")
    assert response.status_code == 200
    return text(response)


def assert_nothing_unshared(page: str) -> None:
    leaks = [canary for canary in NEVER if canary in page]
    assert not leaks, f"unshared data on the mentor's page: {leaks}"


@pytest.mark.parametrize("key", list(CARDS))
def test_each_card_shows_alone_exactly_what_it_says(app, alice_id, progress, key):
    page = mentor_page(app, alice_id, cards=(key,))
    assert "<h1>Alice's progress</h1>" in page
    assert_nothing_unshared(page)
    for other, expected in progress.items():
        shown = other == key
        for value in expected:
            if other == "company_names":
                assert value not in page, f"{value} shown without show_company_names"
            elif shown:
                assert value in page, f"card {key}: {value!r} missing"
        assert (f'id="card-{other}"' in page) == shown, other


def test_every_card_at_once_and_company_names_when_chosen(app, alice_id, progress):
    page = mentor_page(app, alice_id, show_company_names=True)
    assert_nothing_unshared(page)
    for values in progress.values():
        for value in values:
            assert value in page, value
    assert "Saved Co" not in page  # names of applications that were sent, only
    # The shared journal entry is shown as typed: no Markdown, no HTML.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script>" not in page


def test_company_names_stay_hidden_unless_chosen(app, alice_id, progress):
    page = mentor_page(app, alice_id, cards=("applications",))
    assert "Reached an interview" in page
    for company in progress["company_names"]:
        assert company not in page


def test_the_page_loads_no_script_no_manifest_and_tells_robots_to_stay_away(app, alice_id):
    page = mentor_page(app, alice_id)
    assert "<script" not in page and "manifest" not in page and "hx-" not in page
    assert '<meta name="robots" content="noindex, nofollow, noarchive">' in page
    assert "csrf-token" not in page  # the app's meta tag for htmx: nothing here needs it


def test_a_visit_is_counted_with_a_coarse_log_and_a_head_request_is_not(app, alice_id):
    new = link_for(app, alice_id, cards=("week",))
    client = app.test_client()
    client.get(f"/s/{new.token}", headers={"User-Agent": PHONE},
               environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert client.head(f"/s/{new.token}").status_code == 200
    with app.app_context():
        link = db.session.get(ShareLink, new.link.id)
        view = db.session.scalar(select(ShareView))
        assert link.views == 1 and link.last_viewed_at is not None
        assert (view.device_class, view.ip_prefix) == ("phone", "203.0.113.0/24")
    assert count(app, ShareView) == 1


# --- Links that open nothing ------------------------------------------------------------------


def test_revoked_expired_unknown_and_malformed_tokens_get_the_same_404(app, alice_id):
    revoked = link_for(app, alice_id)
    in_app(app, lambda: factories.share.revoke_link(db.session.get(ShareLink, revoked.link.id)))
    expired = link_for(app, alice_id, days=1)
    paths = {
        "revoked": f"/s/{revoked.token}",
        "unknown": f"/s/{tokens.new_token()}",
        "malformed": "/s/not-a-token",
        "malformed, odd characters": "/s/%3Cscript%3E!",
        "malformed, too long": "/s/" + "a" * 400,
        "malformed, with a slash": f"/s/{tokens.new_token()}/more",
    }
    client = app.test_client()
    answers = {label: client.get(path) for label, path in paths.items()}
    with time_machine.travel(now_utc() + timedelta(days=1, seconds=1)):
        answers["expired"] = client.get(f"/s/{expired.token}")

    def shape(response):
        headers = sorted((k, v) for k, v in response.headers.items()
                         if k not in ("Date", "X-Request-ID"))
        return response.status_code, headers, response.get_data()

    first = shape(answers["revoked"])
    assert first[0] == 404
    for label, response in answers.items():
        assert shape(response) == first, label
    assert "Set-Cookie" not in dict(first[1])
    assert not [k for k, _ in first[1] if k.startswith("X-RateLimit")]


def test_ending_one_link_leaves_the_others_working(app, alice, alice_id):
    one, two = link_for(app, alice_id), link_for(app, alice_id, label="for Kim")
    assert alice.post(f"/share/{one.link.id}/revoke").status_code == 303
    mentor = app.test_client()
    assert mentor.get(f"/s/{one.token}").status_code == 404
    assert mentor.get(f"/s/{two.token}").status_code == 200


def test_ending_all_links_at_once(app, alice, alice_id, bob_id):
    mine = [link_for(app, alice_id, label=f"for {n}") for n in ("Sam", "Kim", "Lee")]
    bobs = link_for(app, bob_id)
    response = alice.post("/share/revoke-all")
    assert response.status_code == 303
    assert "Ended 3 links" in text(alice.get("/share"))
    mentor = app.test_client()
    assert [mentor.get(f"/s/{new.token}").status_code for new in mine] == [404] * 3
    assert mentor.get(f"/s/{bobs.token}").status_code == 200


def expire(app: Flask, link_id: int) -> None:
    """Move the link's end into the past (the frozen-clock version is in tests/unit)."""
    with app.app_context():
        db.session.get(ShareLink, link_id).expires_at = now_utc() - timedelta(seconds=1)
        db.session.commit()


def test_renewing_an_expired_link_opens_it_again(app, alice, alice_id):
    new = link_for(app, alice_id, days=1)
    expire(app, new.link.id)
    mentor = app.test_client()
    assert mentor.get(f"/s/{new.token}").status_code == 404
    assert "Expired on" in text(alice.get(f"/share/{new.link.id}"))
    renewed = alice.post(f"/share/{new.link.id}/renew", data={"days": "7"})
    assert renewed.status_code == 303
    assert "The link now works until" in text(alice.get(renewed.headers["Location"]))
    assert mentor.get(f"/s/{new.token}").status_code == 200
    bad = alice.post(f"/share/{new.link.id}/renew", data={"days": "181"})
    assert bad.status_code == 422 and "from 1 to 180" in text(bad)


def test_a_deleted_account_takes_its_links_with_it(app, alice_id):
    new = link_for(app, alice_id)
    in_app(app, lambda: factories.make_mentor_note(db.session.get(User, alice_id), new.link))
    with app.app_context():
        db.session.delete(db.session.get(User, alice_id))
        db.session.commit()
    assert count(app, ShareLink) == count(app, MentorNote) == 0
    assert app.test_client().get(f"/s/{new.token}").status_code == 404


def test_bob_gets_404_for_alices_links_and_notes(app, alice_id, bob):
    new = link_for(app, alice_id)
    note = in_app(app, lambda: factories.make_mentor_note(db.session.get(User, alice_id),
                                                          db.session.get(ShareLink, new.link.id)))
    for method, url in (("GET", f"/share/{new.link.id}"), ("GET", f"/share/{new.link.id}/cards"),
                        ("POST", f"/share/{new.link.id}/revoke"),
                        ("POST", f"/share/{new.link.id}/renew"),
                        ("POST", f"/share/notes/{note.id}/hide"),
                        ("POST", f"/share/notes/{note.id}/delete")):
        assert bob.open(url, method=method, data={"days": "30"}).status_code == 404, url
    assert "for Sam" not in text(bob.get("/share"))
    assert app.test_client().get(f"/s/{new.token}").status_code == 200
    assert count(app, MentorNote) == 1


# --- Headers ----------------------------------------------------------------------------------


def assert_share_headers(response) -> None:
    headers = response.headers
    assert headers["Referrer-Policy"] == "no-referrer", response.status
    assert headers["X-Robots-Tag"] == "noindex, nofollow, noarchive"
    assert headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in headers


def test_every_answer_under_s_carries_the_share_headers(app, alice_id):
    new = link_for(app, alice_id)
    client = app.test_client()
    ok = client.get(f"/s/{new.token}")
    missing = client.get("/s/nope")
    wrong_method = client.post(f"/s/{new.token}", csrf=False)
    for response in (ok, missing, wrong_method):
        assert_share_headers(response)
    assert (ok.status_code, missing.status_code, wrong_method.status_code) == (200, 404, 405)
    assert not [k for k, _ in ok.headers.items() if k.startswith("X-RateLimit")]
    for method in ("PUT", "DELETE", "PATCH"):
        assert client.open(f"/s/{new.token}", method=method, csrf=False).status_code == 405


def test_robots_txt_names_the_share_path(client):
    body = text(client.get("/robots.txt"))
    assert "Disallow: /s/\n" in body and "Disallow: /\n" in body


# --- Notes ------------------------------------------------------------------------------------


def test_a_mentor_leaves_a_note_and_the_owner_reads_it_on_today(app, alice, alice_id):
    new = link_for(app, alice_id, cards=("week",))
    mentor = app.test_client()
    form = note_form(mentor, new.token, body="Proud of you.\nKeep going!", author_name="Sam")
    sent = mentor.post(f"/s/{new.token}/notes", data=form, csrf=False)
    assert sent.status_code == 303 and sent.headers["Location"].endswith(f"/s/{new.token}#note")
    assert "Your note is on its way" in text(mentor.get(sent.headers["Location"]))
    today = text(alice.get("/"))
    assert "A note for you" in today and "Proud of you.\nKeep going!" in today
    assert "Sam, through your link for Sam, my mentor" in today
    # Read: it leaves Today, and stays on the link's page.
    assert alice.post("/share/notes/read").status_code == 303
    assert "A note for you" not in text(alice.get("/"))
    assert "Proud of you." in text(alice.get(f"/share/{new.link.id}"))


def test_notes_can_be_hidden_shown_again_and_deleted(app, alice, alice_id):
    new = link_for(app, alice_id)
    note = in_app(app, lambda: factories.make_mentor_note(
        db.session.get(User, alice_id), db.session.get(ShareLink, new.link.id), body="Hide me"))
    assert "Hide me" in text(alice.get("/"))
    assert alice.post(f"/share/notes/{note.id}/hide").status_code == 303
    assert "Hide me" not in text(alice.get("/"))
    assert "Hidden notes (1)" in text(alice.get(f"/share/{new.link.id}"))
    assert alice.post(f"/share/notes/{note.id}/show").status_code == 303
    assert "Hidden notes" not in text(alice.get(f"/share/{new.link.id}"))
    assert alice.post(f"/share/notes/{note.id}/delete").status_code == 303
    assert count(app, MentorNote) == 0


XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.mark.parametrize(("fields", "message"), [
    ({"body": ""}, "Write a few words first."),
    ({"body": "   \n  "}, "Write a few words first."),
    ({"body": "x" * 501}, "Keep the note to 500 characters."),
    ({"body": "Kind words", "author_name": "n" * 61}, "60"),
])
def test_a_note_has_limits(app, alice_id, fields, message):
    new = link_for(app, alice_id, cards=("week",))
    mentor = app.test_client()
    response = mentor.post(f"/s/{new.token}/notes", data=note_form(mentor, new.token, **fields),
                           csrf=False)
    assert response.status_code == 422
    assert message in text(response) or message == "60"
    assert_share_headers(response)
    assert count(app, MentorNote) == 0


def test_a_note_is_plain_text_wherever_it_shows(app, alice, alice_id):
    new = link_for(app, alice_id, cards=("week",))
    mentor = app.test_client()
    form = note_form(mentor, new.token, body=XSS, author_name="<b>Sam</b>")
    assert mentor.post(f"/s/{new.token}/notes", data=form, csrf=False).status_code == 303
    for url in ("/", f"/share/{new.link.id}"):
        page = text(alice.get(url))
        assert "<script>alert" not in page and "<img src=x" not in page and "<b>Sam" not in page
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page, url


def test_a_note_needs_the_csrf_token_but_no_referer_even_over_https(app, alice_id):
    """The page sends no Referer (SHR-08), which CSRFProtect would refuse over HTTPS; on the
    mentor's pages it checks the token alone, and everywhere else the Referer still."""
    new = link_for(app, alice_id, cards=("week",))
    app.config["WTF_CSRF_SSL_STRICT"] = True
    mentor = app.test_client()
    base = "https://localhost"
    page = mentor.get(f"{base}/s/{new.token}")
    token = CSRF_FIELD.search(text(page)).group(1)
    refused = mentor.post(f"{base}/s/{new.token}/notes", data={"body": "Hi"}, csrf=False)
    assert refused.status_code == 400
    forged = mentor.post(f"{base}/s/{new.token}/notes", data={"body": "Hi", "csrf_token": "x"},
                         csrf=False)
    assert forged.status_code == 400
    sent = mentor.post(f"{base}/s/{new.token}/notes", data={"body": "Hi", "csrf_token": token},
                       csrf=False)
    assert sent.status_code == 303
    assert count(app, MentorNote) == 1
    # Every other page keeps Flask-WTF's full check: a good token without a Referer fails.
    other = app.test_client()
    good = other.get(f"{base}/csrf-token").get_json()["token"]
    login = {"email": "alice@example.com", "password": PASSWORD, "csrf_token": good}
    assert other.post(f"{base}/auth/login", data=login, csrf=False).status_code == 400
    assert other.post(f"{base}/auth/login", data=login, csrf=False,
                      headers={"Referer": f"{base}/auth/login"}).status_code == 303


def test_a_note_to_a_link_that_opens_nothing_is_the_same_404(app, alice_id):
    new = link_for(app, alice_id, cards=("week",))
    mentor = app.test_client()
    form = note_form(mentor, new.token, body="Hello")
    in_app(app, lambda: factories.share.revoke_link(db.session.get(ShareLink, new.link.id)))
    gone = mentor.post(f"/s/{new.token}/notes", data=form, csrf=False)
    unknown = mentor.post(f"/s/{tokens.new_token()}/notes", data=form, csrf=False)
    assert gone.status_code == unknown.status_code == 404
    assert gone.get_data() == unknown.get_data() == mentor.get("/s/nope").get_data()
    assert count(app, MentorNote) == 0


# --- Rate limits (FLK-08, SHR-11) -------------------------------------------------------------


def send_note(client: BrowserLikeClient, token: str, form: dict, address: str):
    return client.post(f"/s/{token}/notes", data=form, csrf=False,
                       environ_base={"REMOTE_ADDR": address})


def test_five_notes_an_hour_through_one_link_from_anywhere(app, alice_id):
    new = link_for(app, alice_id, cards=("week",))
    mentor = app.test_client()
    form = note_form(mentor, new.token, body="Keep going")
    statuses = [send_note(mentor, new.token, form, f"198.51.100.{n}").status_code
                for n in range(6)]
    assert statuses == [303] * 5 + [429]
    assert count(app, MentorNote) == 5
    # Another link of hers still takes notes.
    other = link_for(app, alice_id, cards=("week",))
    assert send_note(mentor, other.token, form, "198.51.100.99").status_code == 303


def test_ten_notes_an_hour_from_one_address_whatever_the_link(app, alice_id):
    links = [link_for(app, alice_id, cards=("week",)) for _ in range(3)]
    mentor = app.test_client()
    form = note_form(mentor, links[0].token, body="Keep going")
    statuses = [send_note(mentor, links[n % 3].token, form, "203.0.113.5").status_code
                for n in range(11)]
    assert statuses == [303] * 10 + [429]
    limited = send_note(mentor, links[1].token, form, "203.0.113.5")
    assert limited.status_code == 429 and limited.headers.get("Retry-After")
    assert_share_headers(limited)
    assert send_note(mentor, links[1].token, form, "203.0.113.6").status_code == 303


def test_a_rejected_note_does_not_use_up_the_limit(app, alice_id):
    new = link_for(app, alice_id, cards=("week",))
    mentor = app.test_client()
    bad = note_form(mentor, new.token, body="")
    for _ in range(6):
        assert send_note(mentor, new.token, bad, "203.0.113.5").status_code == 422
    good = {**bad, "body": "Now with words"}
    assert send_note(mentor, new.token, good, "203.0.113.5").status_code == 303


def test_sixty_page_views_a_minute_from_one_address(app, alice_id):
    new = link_for(app, alice_id, cards=("week",))
    client = app.test_client()
    statuses = [client.get(f"/s/{new.token}").status_code for _ in range(61)]
    assert statuses == [200] * 60 + [429]
    limited = client.get(f"/s/{new.token}")
    assert limited.headers.get("Retry-After") and "<script" not in text(limited)
    assert_share_headers(limited)
    other = client.get(f"/s/{new.token}", environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 200


def test_guessing_tokens_is_stopped_and_reported(app, alice_id, caplog):
    caplog.set_level(logging.INFO, logger="onward.security")
    new = link_for(app, alice_id, cards=("week",))
    guesser = app.test_client()
    statuses = [guesser.get(f"/s/{tokens.new_token()}").status_code for _ in range(20)]
    assert statuses == [404] * 20
    # The address now waits, whatever it asks for under /s/, even a real link.
    assert guesser.get(f"/s/{new.token}").status_code == 429
    events = [json.loads(r.getMessage())["event"] for r in caplog.records
              if r.name == "onward.security"]
    assert "share_probing_blocked" in events
    assert app.test_client().get(f"/s/{new.token}",
                                 environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 200


# --- Logs (SEC-33, SHR-14) --------------------------------------------------------------------


def test_no_log_ever_holds_a_share_token(app, alice, alice_id, caplog):
    caplog.set_level(logging.DEBUG)
    made = alice.post("/share/new", data={"label": "for Sam", "days": "30", "cards": ["week"]})
    token = URL_ON_PAGE.search(text(made)).group(1).rsplit("/", 1)[1]
    mentor = app.test_client()
    form = note_form(mentor, token, body="Well done")
    mentor.post(f"/s/{token}/notes", data=form, csrf=False)
    mentor.post(f"/s/{token}/notes", data={"body": "no token"}, csrf=False)  # CSRF failure
    for _ in range(61):
        mentor.get(f"/s/{token}")  # ends in a 429, which is logged with its path
    link = in_app(app, lambda: db.session.scalar(select(ShareLink)))
    alice.post(f"/share/{link.id}/revoke")
    app.test_client().get(f"/s/{token}")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    events = [json.loads(r.getMessage())["event"] for r in caplog.records
              if r.name == "onward.security"]
    for event in ("share_created", "share_viewed", "share_note_left", "csrf_failed",
                  "rate_limited", "share_revoked"):
        assert event in events, event
    assert token not in logged
    assert tokens.token_hash(token) not in logged
    assert f"/s/{tokens.token_id(token)}" in logged  # the path is there, redacted
    assert tokens.token_id(token) in logged


def test_the_password_page_offers_to_end_share_links_too(alice):
    """A new password leaves links working (they are not credentials), so the page says
    where to end them (SHR-15)."""
    page = text(alice.get("/account/password"))
    assert 'href="/share">end your share links</a>' in page
