"""The journal's pages through the test client: writing and reading, search and infinite
scroll (page vs fragment), editing with a version (409 keeps both texts, OFF-10), deleting,
interview questions to practise, "On this day" on Today, bad input, others' entries, CSRF."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import CANARY, make_checkin, make_journal_entry, user_by_id
from webapp.extensions import db
from webapp.journal.kinds import INTERVIEW_OUTLINE
from webapp.models import JournalEntry, PracticeQuestion, User
from webapp.timezones import local_today


def _today(app, user_id: int) -> date:
    with app.app_context():
        return local_today(user_by_id(user_id).timezone)


def _entry(app, user_id: int, **fields) -> int:
    with app.app_context():
        return make_journal_entry(user_by_id(user_id), **fields).id


def _a_year_ago(app, user_id: int) -> date:
    today = _today(app, user_id)
    try:
        return today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        return today.replace(year=today.year - 4)


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(JournalEntry))


def _form(app, user_id: int, **fields) -> dict:
    form = {"kind": "small_win", "title": "", "body": "A reply from Acme!",
            "entry_date": _today(app, user_id).isoformat()}
    form.update(fields)
    return {k: v for k, v in form.items() if v is not None}


# --- Writing and reading ---------------------------------------------------------------------


def test_write_an_entry_then_read_it_in_the_timeline(app, alice_id, alice):
    response = alice.post("/journal/new", data=_form(
        app, alice_id, title="Heard back",
        body="**Acme** replied. [Role](https://acme.example/job)\n\n<script>alert(1)</script>"))
    assert response.status_code == 303
    detail = alice.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>Acme</strong>" in detail
    assert 'rel="noopener noreferrer nofollow"' in detail
    assert "<script>alert" not in detail and "&lt;script&gt;" in detail
    body = alice.get("/journal").get_data(as_text=True)
    assert "Heard back" in body and "<strong>Acme</strong>" in body
    # User text sits inside hx-disable, on the timeline and on the entry's page.
    assert re.search(r'<div class="prose" hx-disable>\s*<p><strong>Acme', body)
    assert re.search(r'<div class="prose" hx-disable>\s*<p><strong>Acme', detail)


@pytest.mark.parametrize("kind", ["application", "interview", "feedback", "skill", "small_win",
                                  "reflection"])
def test_every_kind_offers_a_prompt(alice, kind):
    html = alice.get(f"/journal/new?kind={kind}").get_data(as_text=True)
    assert re.search(r'<textarea[^>]*placeholder="[^"]{20,}"', html), kind
    assert f'value="{kind}" checked' in html or f'checked value="{kind}"' in html or \
        re.search(rf'<input[^>]*checked[^>]*value="{kind}"', html), kind


def test_an_interview_entry_starts_from_the_debrief_outline(alice):
    html = alice.get("/journal/new?kind=interview").get_data(as_text=True)
    assert "## Questions they asked" in html and "## What I want to practise" in html


def test_back_dated_and_shared_entries(app, alice_id, alice):
    response = alice.post("/journal/new", data=_form(
        app, alice_id, entry_date="2024-02-29", share_with_mentor="y", body="Back then"))
    assert response.status_code == 303
    with app.app_context():
        entry = db.session.scalars(select(JournalEntry)).one()
        assert entry.entry_date == date(2024, 2, 29) and entry.share_with_mentor is True


BAD_ENTRIES = {
    "no body": ({"body": ""}, "Write something"),
    "only spaces": ({"body": "   "}, "Write something"),
    "body too long": ({"body": "x" * 20_001}, "20,000 characters"),
    "title too long": ({"title": "t" * 201}, "200 characters"),
    "unknown kind": ({"kind": "diary"}, "Choose what kind"),
    "no kind": ({"kind": None}, "Choose what kind"),
    "no day": ({"entry_date": ""}, "Choose a day"),
    "not a day": ({"entry_date": "31/12/2024"}, "Not a valid date"),
    "two days ahead": ({"entry_date": "+2"}, "a day ahead"),
    "before 2000": ({"entry_date": "1999-12-31"}, "2000 or later"),
}


@pytest.mark.parametrize("case", BAD_ENTRIES)
@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_bad_input_is_422_with_the_form_and_a_clear_message(app, alice_id, alice, case, htmx):
    fields, message = BAD_ENTRIES[case]
    if fields.get("entry_date") == "+2":
        fields = {"entry_date": (_today(app, alice_id) + timedelta(days=2)).isoformat()}
    data = _form(app, alice_id, **fields)
    response = alice.htmx("post", "/journal/new", data=data) if htmx else \
        alice.post("/journal/new", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html and 'class="error"' in html
    assert "<form" in html
    assert _count(app) == 0


def test_a_body_too_long_for_the_server_is_413(alice):
    response = alice.post("/journal/new", data={"body": "x" * (2 * 1024 * 1024)})
    assert response.status_code == 413


# --- Timeline, search and infinite scroll -----------------------------------------------------


def test_the_timeline_scrolls_with_a_keyset_link(app, alice_id, alice):
    today = _today(app, alice_id)
    for n in range(25):
        _entry(app, alice_id, body=f"Entry number {n}", entry_date=today - timedelta(days=n))
    page = alice.get("/journal").get_data(as_text=True)
    assert page.count('class="card entry"') == 20
    link = re.search(r'hx-get="(/journal/more\?[^"]+)" hx-trigger="revealed"', page)
    assert link, "no infinite-scroll sentinel"
    assert "before=" in link.group(1) and "page=" not in link.group(1)
    more = alice.htmx("get", link.group(1).replace("&amp;", "&"))
    html = more.get_data(as_text=True)
    assert more.status_code == 200 and "<html" not in html
    assert html.count('class="card entry"') == 5 and "hx-trigger=\"revealed\"" not in html
    assert "Entry number 24" in html
    # Without JS the same link opens the older entries as a page.
    plain = re.search(r'href="(/journal\?before=[^"]+)"', page).group(1).replace("&amp;", "&")
    older = alice.get(plain).get_data(as_text=True)
    assert "<html" in older and "Entry number 24" in older and "Entry number 0<" not in older


def test_search_answers_a_fragment_for_htmx_and_a_page_otherwise(app, alice_id, alice):
    _entry(app, alice_id, kind="interview", title="Acme", body="They asked about <b>teams</b>")
    _entry(app, alice_id, body="Nothing to see")
    page = alice.get("/journal?q=team")
    assert page.status_code == 200 and "<html" in page.get_data(as_text=True)
    assert "HX-Request" in page.vary
    fragment = alice.htmx("get", "/journal?q=team")
    html = fragment.get_data(as_text=True)
    assert fragment.status_code == 200 and "<html" not in html
    assert html.lstrip().startswith('<div id="journal-results"')
    assert "<mark>teams</mark>" in html and "<b>" not in html
    assert "Nothing to see" not in html
    boosted = alice.htmx("get", "/journal?q=team", headers={"HX-Boosted": "true"})
    assert "<html" in boosted.get_data(as_text=True)
    restore = alice.htmx("get", "/journal?q=team", headers={"HX-History-Restore-Request": "true"})
    assert "<html" in restore.get_data(as_text=True)


def test_the_search_box_searches_as_you_type(alice):
    html = alice.get("/journal").get_data(as_text=True)
    box = re.search(r'<input[^>]*id="journal-q"[^>]*>', html).group(0)
    for attribute in ('hx-trigger="input changed delay:300ms, search"', 'hx-push-url="true"',
                      'hx-target="#journal-results"', 'name="q"'):
        assert attribute in box
    assert re.search(r'<form[^>]*method="get"[^>]*action="/journal"', html)


def test_kind_chips_filter_the_timeline_and_the_search(app, alice_id, alice):
    _entry(app, alice_id, kind="small_win", body="A win about coffee")
    _entry(app, alice_id, kind="feedback", body="Feedback about coffee")
    html = alice.get("/journal?kind=small_win").get_data(as_text=True)
    assert "A win about coffee" in html and "Feedback about coffee" not in html
    html = alice.get("/journal?kind=feedback&q=coffee").get_data(as_text=True)
    assert "Feedback about" in html and "A win about" not in html
    assert 'aria-current="true">Feedback<' in html


@pytest.mark.parametrize("query", ["kind=diary", "before=garbage", "before=2026-01-01~0",
                                   "q=x&before=2026-01-01~3", "q=" + "x" * 201])
def test_bad_search_arguments_are_422_not_500(alice, query):
    for response in (alice.get(f"/journal?{query}"), alice.htmx("get", f"/journal?{query}"),
                     alice.htmx("get", f"/journal/more?{query}")):
        assert response.status_code == 422
        assert "Back to your newest entries" in response.get_data(as_text=True)


def test_fts_syntax_in_a_search_is_not_an_error(app, alice_id, alice):
    _entry(app, alice_id, body="Interview prep")
    for query in ['"', "NEAR(", "*", "-x", "((", "a:*", "!"]:
        assert alice.get("/journal", query_string={"q": query}).status_code == 200, query


def test_a_reflection_from_the_rejection_flow_shows_its_thought_record(app, alice_id, alice):
    from webapp.models import ThoughtRecord

    entry_id = _entry(app, alice_id, kind="reflection", body="After the no from Acme.")
    with app.app_context():
        db.session.add(ThoughtRecord(user_id=alice_id, entry_id=entry_id,
                                     thought="I'll never get hired", belief_before=80,
                                     belief_after=40, balanced_thought="One no is one role."))
        db.session.commit()
    assert "One no is one role." in alice.get("/journal").get_data(as_text=True)
    detail = alice.get(f"/journal/{entry_id}").get_data(as_text=True)
    assert "I&#39;ll never get hired" in detail and "80%, then 40%" in detail


def test_the_timeline_shows_each_entrys_kept_card_sanitised_and_renders_one_without(
        app, alice_id, alice):
    """The card comes from the HTML kept with the entry (no Markdown per entry per page),
    cleaned again on the way out; an entry without one (other SQL wrote it) renders its body."""
    kept = _entry(app, alice_id, body="Body as *written*")
    bare = _entry(app, alice_id, body="An *imported* entry")
    with app.app_context():
        db.session.execute(JournalEntry.__table__.update().where(JournalEntry.id == kept)
                           .values(card_html='<p>Kept card</p><script>alert(1)</script>'))
        db.session.execute(JournalEntry.__table__.update().where(JournalEntry.id == bare)
                           .values(card_html=None))
        db.session.commit()
    page = alice.get("/journal").get_data(as_text=True)
    assert "<p>Kept card</p>" in page and "alert(1)" not in page
    assert "An <em>imported</em> entry" in page


# --- Editing with a version (OFF-10) ---------------------------------------------------------


def test_an_edit_saves_and_bumps_the_version(app, alice_id, alice):
    entry_id = _entry(app, alice_id, body="First")
    form = alice.get(f"/journal/{entry_id}/edit").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="version"[^>]*value="1"', form)
    response = alice.post(f"/journal/{entry_id}/edit",
                          data=_form(app, alice_id, body="Second", version="1"))
    assert response.status_code == 303
    with app.app_context():
        entry = db.session.get(JournalEntry, entry_id)
        assert (entry.body, entry.version) == ("Second", 2)


def test_two_tabs_editing_version_one_the_second_gets_409_with_both_texts(app, alice_id, alice):
    entry_id = _entry(app, alice_id, body="Original")
    first = alice.post(f"/journal/{entry_id}/edit",
                       data=_form(app, alice_id, body="Saved from the phone", version="1"))
    assert first.status_code == 303
    second = alice.post(f"/journal/{entry_id}/edit",
                        data=_form(app, alice_id, body="Typed on the laptop", version="1"))
    assert second.status_code == 409
    html = second.get_data(as_text=True)
    assert "Typed on the laptop" in html and "Saved from the phone" in html
    assert "changed somewhere else" in html
    assert re.search(r'<input[^>]*name="version"[^>]*value="2"', html)
    with app.app_context():
        assert db.session.get(JournalEntry, entry_id).body == "Saved from the phone"
    # After merging, saving from the version shown goes through.
    merged = alice.post(f"/journal/{entry_id}/edit",
                        data=_form(app, alice_id, body="Both, merged", version="2"))
    assert merged.status_code == 303


def test_an_edit_without_a_version_is_a_conflict_not_an_overwrite(app, alice_id, alice):
    entry_id = _entry(app, alice_id, body="Original")
    response = alice.post(f"/journal/{entry_id}/edit", data=_form(app, alice_id, body="Mine"))
    assert response.status_code == 409
    with app.app_context():
        assert db.session.get(JournalEntry, entry_id).body == "Original"


def test_a_bad_edit_is_422(app, alice_id, alice):
    entry_id = _entry(app, alice_id, body="Original")
    response = alice.post(f"/journal/{entry_id}/edit",
                          data=_form(app, alice_id, body="", version="1"))
    assert response.status_code == 422


# --- Deleting ----------------------------------------------------------------------------------


def test_delete_asks_first_then_deletes(app, alice_id, alice):
    entry_id = _entry(app, alice_id, body="To go")
    page = alice.get(f"/journal/{entry_id}/delete")
    assert page.status_code == 200 and "Delete this entry?" in page.get_data(as_text=True)
    assert _count(app) == 1
    response = alice.post(f"/journal/{entry_id}/delete")
    assert response.status_code == 303 and response.headers["Location"] == "/journal"
    assert _count(app) == 0
    assert alice.get(f"/journal/{entry_id}").status_code == 404


# --- Interview questions to practise ----------------------------------------------------------


def test_send_a_debriefs_questions_to_practice_once(app, alice_id, alice):
    body = INTERVIEW_OUTLINE.replace("- \n", "- Why Acme?\n- Describe a failure\n")
    entry_id = _entry(app, alice_id, kind="interview", body=body)
    detail = alice.get(f"/journal/{entry_id}").get_data(as_text=True)
    assert "Add them to my practice questions" in detail and "Describe a failure" in detail
    for _ in range(2):
        assert alice.post(f"/journal/{entry_id}/practice").status_code == 303
    with app.app_context():
        rows = db.session.execute(select(PracticeQuestion.question, PracticeQuestion.source)
                                  .order_by(PracticeQuestion.id)).all()
    assert rows == [("Why Acme?", "interview"), ("Describe a failure", "interview")]
    assert "2 you had already" in alice.get(f"/journal/{entry_id}").get_data(as_text=True)


def test_an_entry_without_questions_has_nothing_to_send(app, alice_id, alice):
    entry_id = _entry(app, alice_id, kind="small_win", body="Why not?")
    assert "practice questions" not in alice.get(f"/journal/{entry_id}").get_data(as_text=True)
    assert alice.post(f"/journal/{entry_id}/practice").status_code == 422


# --- Others' entries, CSRF ---------------------------------------------------------------------


@pytest.mark.parametrize(("method", "path"), [
    ("get", ""), ("get", "/edit"), ("post", "/edit"), ("get", "/delete"), ("post", "/delete"),
    ("post", "/practice"),
])
def test_someone_elses_entry_is_404_everywhere(app, alice_id, bob, method, path):
    entry_id = _entry(app, alice_id, kind="interview", body="- Why?")
    data = {"kind": "reflection", "body": "bob was here", "entry_date": "2024-01-01",
            "version": "1"}
    response = getattr(bob, method)(f"/journal/{entry_id}{path}", data=data)
    assert response.status_code == 404
    assert CANARY not in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(JournalEntry, entry_id).body == "- Why?"


def test_someone_elses_entries_never_show_in_the_timeline_or_search(app, alice_id, bob):
    _entry(app, alice_id)  # holds the canary
    for url in ("/journal", f"/journal?q={CANARY.split('-')[0]}", "/journal?kind=small_win"):
        assert CANARY not in bob.get(url).get_data(as_text=True), url


def test_writes_need_the_csrf_token(app, alice_id, alice):
    entry_id = _entry(app, alice_id)
    for url, data in (("/journal/new", _form(app, alice_id)),
                      (f"/journal/{entry_id}/edit", _form(app, alice_id, version="1")),
                      (f"/journal/{entry_id}/delete", {}),
                      (f"/journal/{entry_id}/practice", {}),
                      ("/journal/on-this-day", {"show": "off"})):
        assert alice.post(url, data=data, csrf=False).status_code == 400, url
    assert _count(app) == 1


# --- On this day on Today ----------------------------------------------------------------------


def test_today_shows_a_win_from_this_day_and_can_hide_it(app, alice_id, alice):
    _entry(app, alice_id, kind="small_win", title="First interview!", body="They called me.",
           entry_date=_a_year_ago(app, alice_id))
    html = alice.get("/").get_data(as_text=True)
    assert "On this day" in html and "First interview!" in html
    hidden = alice.htmx("post", "/journal/on-this-day", data={"show": "off", "back": "today"})
    assert hidden.status_code == 200
    assert '<div id="flashes" hx-swap-oob' in hidden.get_data(as_text=True)
    assert "First interview!" not in alice.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(User, alice_id).show_on_this_day is False
    # On again from the journal page, without JS.
    back_on = alice.post("/journal/on-this-day", data={"show": "on", "back": "journal"})
    assert back_on.status_code == 303 and back_on.headers["Location"] == "/journal"
    assert "First interview!" in alice.get("/").get_data(as_text=True)


def test_today_never_shows_a_hard_day(app, alice_id, alice):
    today = _today(app, alice_id)
    try:  # a year back always has this day, but for 29 February
        year_ago = today.replace(year=today.year - 1)
    except ValueError:
        year_ago = today.replace(year=today.year - 4)
    with app.app_context():
        make_checkin(user_by_id(alice_id), 1, day=year_ago)
    _entry(app, alice_id, kind="reflection", body="Awful day", entry_date=year_ago)
    assert "On this day" not in alice.get("/").get_data(as_text=True)


def test_a_bad_setting_is_422(alice):
    assert alice.post("/journal/on-this-day", data={"show": "maybe"}).status_code == 422


# --- XSS stored in an entry (SEC-24) ------------------------------------------------------------

PAYLOAD = ('"><script>alert(1)</script><img src=x onerror=alert(2)>'
           "<div hx-get=/account hx-trigger=load>x</div>{{7*7}}")


def test_an_xss_payload_in_title_and_body_is_inert_on_every_journal_page(app, alice_id, alice):
    entry_id = _entry(app, alice_id, kind="small_win", title=PAYLOAD[:200],
                      body=f"{PAYLOAD}\n\n[x](javascript:alert(3)) ![y](data:text/html,hi) xss",
                      entry_date=_a_year_ago(app, alice_id))
    pages = [f"/journal/{entry_id}", f"/journal/{entry_id}/edit", f"/journal/{entry_id}/delete",
             "/journal", "/journal?q=xss", "/journal?q=script", "/"]
    for url in pages:
        html = alice.get(url).get_data(as_text=True)
        for raw in ("<script>alert", "<img", "onerror=alert(2)>", "<div hx-get",
                    'href="javascript:', 'href="data:'):
            assert raw not in html, f"{raw!r} on {url}"
    assert "{{7*7}}" in alice.get(f"/journal/{entry_id}").get_data(as_text=True)
    # Today's On this day card shows the win (this day, a year ago), escaped too.
    assert "&lt;script&gt;" in alice.get("/").get_data(as_text=True)
