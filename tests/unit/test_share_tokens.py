"""Share links without HTTP: tokens and their hashes, the visitor's coarse device and network,
expiry on a frozen clock, and the choice of cards (TRUST.md SHR-01, SHR-02, SHR-05, SHR-12)."""

from __future__ import annotations

import base64
import hashlib
import runpy
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select

from tests import factories
from webapp.audit import redact_share_paths
from webapp.extensions import db
from webapp.models import ShareLink, ShareView
from webapp.share import services, tokens
from webapp.share.cards import CARDS, default_cards
from webapp.share.services import Choice, ShareProblem
from webapp.share.visitors import Visit, device_class, ip_prefix

GUNICORN_CONF = Path(__file__).parents[2] / "gunicorn.conf.py"
NOW = datetime(2026, 6, 10, 11, 0, tzinfo=UTC)

# --- Tokens -----------------------------------------------------------------------------------


def test_a_token_is_256_random_bits_in_43_url_safe_characters():
    token = tokens.new_token()
    assert len(token) >= 43 and tokens.looks_like_token(token)
    assert len(base64.urlsafe_b64decode(token + "=")) == 32  # >= 16 bytes (SHR-01)


def test_ten_thousand_tokens_are_all_different():
    made = {tokens.new_token() for _ in range(10_000)}
    assert len(made) == 10_000


def test_tokens_come_from_secrets_token_urlsafe_32(monkeypatch):
    calls = []
    monkeypatch.setattr(secrets, "token_urlsafe", lambda n: calls.append(n) or "x" * 43)
    assert tokens.new_token() == "x" * 43
    assert calls == [32]


def test_only_the_sha256_is_kept_and_logs_name_its_first_eight_digits():
    token = tokens.new_token()
    digest = hashlib.sha256(token.encode()).hexdigest()
    assert tokens.token_hash(token) == digest and len(digest) == 64
    assert tokens.token_id(token) == digest[:8]


def test_the_app_and_the_access_log_redact_a_share_path_the_same_way():
    token = tokens.new_token()
    gunicorn_redact = runpy.run_path(str(GUNICORN_CONF))["redact_share_paths"]
    for text in (f"/s/{token}", f"GET /s/{token}/notes HTTP/1.1", f"https://h/s/{token}?x=1"):
        for redact in (redact_share_paths, gunicorn_redact):
            redacted = redact(text)
            assert token not in redacted
            assert f"/s/{tokens.token_id(token)}" in redacted
    assert redact_share_paths("/share/3/renew") == "/share/3/renew"
    assert redact_share_paths("/static/css/app.css") == "/static/css/app.css"


@pytest.mark.parametrize("text", ["", "short", "x" * 42, "x" * 44, "a" * 42 + "!", "a" * 42 + "/",
                                  "a" * 42 + "=", " " + "a" * 42])
def test_only_the_shape_of_a_real_token_is_looked_up(text):
    assert not tokens.looks_like_token(text)


# --- Visitors ---------------------------------------------------------------------------------

PHONE = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
         "Chrome/126.0 Mobile Safari/537.36")
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
ANDROID_TABLET = ("Mozilla/5.0 (Linux; Android 13; SM-X700) AppleWebKit/537.36 (KHTML, like "
                  "Gecko) Chrome/126.0 Safari/537.36")
IPAD = "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"
DESKTOP = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
           "Chrome/126.0 Safari/537.36")
MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Version/17.5 Safari/605"
SLACK = "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)"


@pytest.mark.parametrize(("user_agent", "expected"), [
    (PHONE, "phone"), (IPHONE, "phone"), (ANDROID_TABLET, "tablet"), (IPAD, "tablet"),
    (DESKTOP, "desktop"), (MAC, "desktop"), (SLACK, "other"), ("curl/8.5.0", "other"),
    ("", "other"), (None, "other"), ("something new", "other"),
])
def test_device_class_is_coarse(user_agent, expected):
    assert device_class(user_agent) == expected


@pytest.mark.parametrize(("address", "expected"), [
    ("203.0.113.77", "203.0.113.0/24"),
    ("198.51.100.1", "198.51.100.0/24"),
    ("2001:db8:abcd:12:1:2:3:4", "2001:db8:abcd::/48"),
    ("::ffff:203.0.113.77", "203.0.113.0/24"),  # an IPv4 address seen through IPv6
    ("127.0.0.1", "127.0.0.0/24"),
    ("not an address", None), ("", None), (None, None),
])
def test_addresses_are_cut_to_their_network(address, expected):
    assert ip_prefix(address) == expected


def test_a_visit_keeps_nothing_more():
    visit = Visit.of(PHONE, "203.0.113.77")
    assert visit == Visit("phone", "203.0.113.0/24")
    assert "203.0.113.77" not in repr(visit) and "Pixel" not in repr(visit)


# --- Links on a frozen clock ------------------------------------------------------------------


@pytest.fixture
def user(app):
    with time_machine.travel(NOW, tick=False), app.app_context():
        yield factories.make_user(name="Robin")


def test_a_link_opens_until_its_last_second_and_not_after(user):
    new = factories.make_share_link(user, cards=("week",))
    assert new.link.expires_at == NOW + timedelta(days=30)
    with time_machine.travel(NOW + timedelta(days=30) - timedelta(seconds=1), tick=False):
        assert services.open_link(new.token) is not None
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        assert services.open_link(new.token) is None
        assert new.link.status == "expired"
        services.renew_link(new.link, 10)  # renewal restores access, from now
        assert services.open_link(new.token) is not None
        assert new.link.expires_at == NOW + timedelta(days=40)
    with time_machine.travel(NOW + timedelta(days=40), tick=False):
        assert services.open_link(new.token) is None


@pytest.mark.parametrize("days", [0, -1, 181, 10_000])
def test_a_link_lasts_one_to_180_days(user, days):
    with pytest.raises(ShareProblem, match="1 to 180"):
        factories.make_share_link(user, days=days)
    assert db.session.scalar(select(func.count()).select_from(ShareLink)) == 0
    link = factories.make_share_link(user, days=180).link
    with pytest.raises(ShareProblem):
        services.renew_link(link, days)
    assert link.expires_at == NOW + timedelta(days=180)


def test_a_revoked_link_stays_ended_and_cannot_be_renewed(user):
    new = factories.make_share_link(user)
    services.revoke_link(new.link)
    revoked_at = new.link.revoked_at
    services.revoke_link(new.link)  # again: nothing changes
    assert new.link.revoked_at == revoked_at and new.link.status == "ended"
    with pytest.raises(ShareProblem, match="ended for good"):
        services.renew_link(new.link)
    with pytest.raises(ShareProblem, match="ended for good"):
        services.change_cards(new.link, Choice(("week",)))
    assert services.open_link(new.token) is None


def test_only_the_hash_of_the_token_is_stored(user):
    new = factories.make_share_link(user)
    row = db.session.execute(select(ShareLink.__table__)).one()
    assert new.token not in repr(tuple(row))
    assert row.token_hash == tokens.token_hash(new.token)


def test_opening_a_link_counts_the_visit_and_keeps_a_coarse_log(user):
    new = factories.make_share_link(user, cards=("week",))
    services.open_link(new.token, visit=Visit.of(PHONE, "203.0.113.77"))
    services.open_link(new.token)  # no visit given (a HEAD request): not counted
    view = db.session.scalar(select(ShareView))
    assert (new.link.views, new.link.last_viewed_at) == (1, NOW)
    db.session.refresh(new.link)
    assert (new.link.views, new.link.last_viewed_at) == (1, NOW)
    assert (view.device_class, view.ip_prefix, view.viewed_at) == ("phone", "203.0.113.0/24", NOW)


def test_old_visits_are_purged_after_90_days(user):
    new = factories.make_share_link(user, cards=("week",))
    for age in (91, 90, 89, 1):
        with time_machine.travel(NOW - timedelta(days=age), tick=False):
            services.open_link(new.token, visit=Visit("phone", None))
    assert services.purge_old_views() == 1
    assert services.purge_old_views() == 0
    kept = sorted((NOW - v).days for v in db.session.scalars(select(ShareView.viewed_at)))
    assert kept == [1, 89, 90]


# --- Choosing cards ---------------------------------------------------------------------------


def test_mood_is_the_one_card_off_by_default():
    assert set(CARDS) - set(default_cards()) == {"mood"}
    assert default_cards() == [key for key in CARDS if key != "mood"]


def test_a_choice_keeps_the_registry_order_and_needs_a_known_card():
    assert Choice(("journal", "week")).checked().cards == ("week", "journal")
    with pytest.raises(ShareProblem, match="at least one"):
        Choice(()).checked()
    with pytest.raises(ShareProblem):
        Choice(("week", "passwords")).checked()
    # Company names only mean something with the applications card.
    assert not Choice(("week",), True).checked().show_company_names


def test_showing_more_is_a_widening_and_showing_less_is_not(user):
    link = factories.make_share_link(user, cards=("week", "applications")).link
    assert Choice(("week", "applications", "mood")).widens(link)
    assert Choice(("week", "applications"), show_company_names=True).widens(link)
    assert not Choice(("week",)).widens(link)
    assert not Choice(("week", "applications")).widens(link)


def test_notes_are_plain_text_with_their_limits(user):
    link = factories.make_share_link(user).link
    note = services.leave_note(link, body="  Line one\r\n\r\n\r\n\r\nLine two\x00\x07  ",
                               author_name="  Sam   Lee ")
    assert (note.body, note.author_name) == ("Line one\n\nLine two", "Sam Lee")
    assert services.leave_note(link, body="x" * 500, author_name="").author_name is None
    for body, name in (("", None), ("   \n ", None), ("x" * 501, None), ("ok", "n" * 61)):
        with pytest.raises(ShareProblem):
            services.leave_note(link, body=body, author_name=name)
    services.revoke_link(link)
    with pytest.raises(ShareProblem, match="closed"):
        services.leave_note(link, body="too late")


def test_the_daily_task_purges_old_visits(app):
    from webapp.share import tasks

    with time_machine.travel(NOW, tick=False), app.app_context():
        user = factories.make_user(name="Robin")
        new = factories.make_share_link(user, cards=("week",))
        for age in (120, 2):
            with time_machine.travel(NOW - timedelta(days=age), tick=False):
                services.open_link(new.token, visit=Visit("desktop", "198.51.100.0/24"))
        tasks.purge_old_share_views()
        db.session.expire_all()
        assert [v.viewed_at for v in db.session.scalars(select(ShareView))] == [
            NOW - timedelta(days=2)]
    daily = tasks.purge_old_share_views.task_class()
    assert daily.validate_datetime(datetime(2026, 11, 30, 3, 15))
    assert not daily.validate_datetime(datetime(2026, 11, 30, 4, 15))


def test_the_worker_knows_the_purge():
    from webapp import worker

    assert "share_tasks" in worker.__all__
    periodic = {task.name for task in worker.huey._registry.periodic_tasks}
    assert "purge_old_share_views" in periodic


# --- What the cards compute -------------------------------------------------------------------


def test_cards_count_what_they_say(user):
    from datetime import date

    from flask import current_app

    from tests.integration.guards_support import counting_statements
    from webapp.models import Application, JournalEntry
    from webapp.share.cards import Sharing

    today = date(2026, 6, 10)  # a Wednesday; the week began on Monday 8 June
    for day, mood in ((today, 4), (today, 2), (today - timedelta(days=1), 5),
                      (today - timedelta(days=12), 1), (today - timedelta(days=40), 3)):
        factories.make_checkin(user, mood, day=day)
    for reached in (0, 1, 1, 2, 3, 4):
        db.session.add(Application(user_id=user.id, company=f"Co {reached}", role="r",
                                   reached=reached))
    for n in range(12):
        db.session.add_all([
            JournalEntry(user_id=user.id, kind="small_win", title=f"win {n}", body="",
                         entry_date=today - timedelta(days=n)),
            JournalEntry(user_id=user.id, kind="reflection", title=f"shared {n}", body="b",
                         entry_date=today - timedelta(days=n), share_with_mentor=True),
        ])
    db.session.commit()
    link = factories.make_share_link(user).link
    sharing = Sharing(user, link)
    with counting_statements(current_app._get_current_object()) as statements:
        data = {key: card.load(sharing) for key, card in CARDS.items()}
    # One statement a card at most; check-ins and the journal are read once for two cards.
    assert len(statements) <= len(CARDS) - 2

    assert data["applications"].steps == [("Saved to apply to", 6), ("Applied", 5),
                                          ("Reached a screening", 3),
                                          ("Reached an interview", 2), ("Offers", 1)]
    assert data["applications"].companies is None
    consistency = data["checkins"]
    assert (consistency.this_month, consistency.days_so_far, consistency.last_30_days) == (
        2, 10, 3)
    this_week = data["mood"][-1]
    assert (this_week.week_start, this_week.checkins, this_week.average) == (
        date(2026, 6, 8), 3, 3.7)  # (4 + 2 + 5) / 3
    assert len(data["mood"]) == 8
    assert [(w.checkins, w.average) for w in data["mood"][-3:-1]] == [(1, 1.0), (0, None)]
    assert [w.title for w in data["wins"]] == [f"win {n}" for n in range(10)]
    assert [e.title for e in data["journal"]] == [f"shared {n}" for n in range(10)]


def test_the_development_servers_request_lines_hide_share_tokens(app, caplog):
    """`make run` serves with werkzeug, which logs each request line (SHR-14)."""
    import logging

    token = tokens.new_token()
    caplog.set_level(logging.INFO, logger="werkzeug")
    logging.getLogger("werkzeug").info('%s - - "%s" %s -', "127.0.0.1",
                                       f"GET /s/{token} HTTP/1.1", "200")
    [record] = [r for r in caplog.records if r.name == "werkzeug"]
    assert token not in record.getMessage()
    assert f"GET /s/{tokens.token_id(token)} HTTP/1.1" in record.getMessage()
