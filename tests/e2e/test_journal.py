"""The journal in a real browser on a phone: write an entry in Markdown, find it by searching
as you type, see it in the timeline; the infinite scroll; nothing of the journal kept in the
browser's storage (SEC-23); tap targets at 360 px."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.conftest import Account, BrowserWatch, LiveServer, today_in
from tests.e2e.test_accessibility import check_tap_targets

pytestmark = pytest.mark.e2e


def add_entries(live_server: LiveServer, account: Account, count: int) -> None:
    with live_server.db():
        user = factories.user_by_id(account.id)
        for n in range(count):
            factories.make_journal_entry(user, kind="skill", title=f"Study day {n}",
                                         body=f"Chapter {n} of the course.",
                                         entry_date=today_in() - timedelta(days=n + 1))


def test_write_in_markdown_find_it_by_search_and_see_it_in_the_timeline(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    add_entries(live_server, account, 3)
    page.get_by_role("link", name="Journal").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal")

    page.get_by_role("link", name="Write an entry").tap()
    page.locator("label.chip", has_text="Small win").tap()
    body = page.get_by_label("Your entry")
    assert "went right" in body.get_attribute("placeholder")
    page.get_by_label("Title (optional)").fill("A call back from Acme")
    body.fill("Got a **callback** about the *designer* role.\n\n- prepare examples\n- rest")
    page.get_by_role("button", name="Save").tap()

    expect(page.locator("#flashes")).to_contain_text("Saved to your journal.")
    expect(page.get_by_role("heading", level=1)).to_have_text("A call back from Acme")
    prose = page.locator(".prose")
    expect(prose.locator("strong")).to_have_text("callback")
    expect(prose.locator("em")).to_have_text("designer")
    expect(prose.locator("li")).to_have_count(2)

    # Search as you type: the results swap in place and the URL follows.
    page.get_by_role("link", name="Back to your journal").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Journal")
    page.evaluate("window.__sameDocument = 'still here'")
    search = page.get_by_role("searchbox", name="Search your journal")
    search.press_sequentially("acme desig", delay=40)
    results = page.locator("#journal-results")
    expect(results.locator(".entry")).to_have_count(1)
    expect(results.locator("mark").first).to_be_visible()
    expect(results).to_contain_text("designer")
    expect(results.locator("h2")).to_contain_text("A call back from Acme")
    assert page.evaluate("window.__sameDocument") == "still here", "the search reloaded the page"
    page.wait_for_function("location.search.includes('desig')")
    assert parse_qs(urlsplit(page.url).query)["q"] == ["acme desig"]

    # Emptied, the search gives the timeline back: newest first, Markdown rendered.
    search.fill("")
    search.dispatch_event("input")
    expect(results.locator(".entry")).to_have_count(4)
    first = results.locator(".entry").first
    expect(first.locator("h2")).to_have_text("A call back from Acme")
    expect(first.locator(".prose strong")).to_have_text("callback")

    # Reloading a searched URL shows the same results without JS's help.
    page.goto("/journal?q=chapter")
    expect(page.locator("#journal-results .entry")).to_have_count(3)

    # SEC-23: no history cache and no entry text in the browser's storage. (htmx keeps the
    # current path in sessionStorage, which the browser's own history holds anyway.)
    local, session = page.evaluate("[{...localStorage}, {...sessionStorage}]")
    assert local == {} and "htmx-history-cache" not in session, (local, session)
    assert set(session) <= {"htmx-current-path-for-history"}, session
    kept = str(session).lower()
    assert "callback" not in kept and "acme" not in kept and "study day" not in kept
    watch.assert_clean()


def test_the_timeline_loads_older_entries_as_you_scroll(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    add_entries(live_server, account, 45)
    page.goto("/journal")
    entries = page.locator("#journal-entries .entry")
    expect(entries).to_have_count(20)
    for expected in (40, 45):
        page.locator(".more-entries").last.scroll_into_view_if_needed()
        expect(entries).to_have_count(expected)
    expect(page.locator(".more-entries")).to_have_count(0)
    expect(entries.last.locator("h2")).to_have_text("Study day 44")
    watch.assert_clean()


def test_the_journal_fits_a_thumb_at_360px(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    add_entries(live_server, account, 2)
    problems = []
    for url in ("/journal", "/journal/new?kind=interview"):
        page.goto(url)
        problems += check_tap_targets(page, url)
    assert not problems, "\n".join(problems)
    watch.assert_clean()


def test_choosing_another_kind_changes_the_prompt(signed_in_page: Page, watch: BrowserWatch):
    page = signed_in_page
    page.goto("/journal/new")
    body = page.get_by_label("Your entry")
    assert "How are you doing" in body.get_attribute("placeholder")
    page.locator("label.chip", has_text="Interview debrief").tap()
    expect(body).to_have_value(re.compile(r"^## Questions they asked"))
    assert "questions while they are fresh" in body.get_attribute("placeholder")
    expect(page.locator("#body-hint")).to_contain_text("Questions they asked")
    page.locator("label.chip", has_text="Small win").tap()
    expect(body).to_have_value("")  # the untouched outline goes with its kind
    body.fill("Mine now")
    page.locator("label.chip", has_text="Skill").tap()
    expect(body).to_have_value("Mine now")  # what the user wrote always stays
    watch.assert_clean()
