"""Sharing with a mentor in a real browser on a phone: make a link showing two cards, open it
as the mentor in a browser of their own (no account, no JavaScript), see exactly those two
cards, leave a note, read it on Today, end the link, and the mentor's reload is a 404. axe on
both sides, light and dark, and 44 px targets at 360 px."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.conftest import Account, BrowserWatch, LiveServer, sign_in
from tests.e2e.test_accessibility import axe_context, axe_violations, check_tap_targets
from webapp.share.cards import CARDS

pytestmark = pytest.mark.e2e

TWO_CARDS = ("This week's goals", "Small wins")


def make_link_in_the_browser(page: Page, label: str = "for Sam, my mentor") -> str:
    """Make a link with exactly TWO_CARDS through the form, as a person would; its URL."""
    page.get_by_role("link", name="More").tap()
    page.get_by_role("link", name="Share with a mentor").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Share with a mentor")
    expect(page.get_by_role("link", name="More")).to_have_attribute("aria-current", "page")
    page.get_by_role("link", name="Make a link").tap()
    expect(page.get_by_text("Anyone who has this link can open the page")).to_be_visible()
    page.get_by_label("Who is it for?").fill(label)
    for card in CARDS.values():
        box = page.get_by_role("checkbox", name=card.title, exact=True)
        expect(box).to_be_checked(checked=card.key != "mood")  # mood is off until chosen
        box.set_checked(card.title in TWO_CARDS)
    expect(page.get_by_role("checkbox", name="Show company names")).not_to_be_checked()
    page.get_by_role("button", name="Make the link").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your link is ready")
    url = page.get_by_label(f"The link {label}").input_value()
    assert urlsplit(url).path.startswith("/s/")
    return url


def test_a_mentor_sees_exactly_two_cards_leaves_a_note_and_loses_access_when_it_ends(
    signed_in_page: Page, watched_context, watch: BrowserWatch, live_server: LiveServer,
    account: Account,
):
    page = signed_in_page
    with live_server.db():
        user = factories.user_by_id(account.id)
        factories.seed_shareable_progress(user)
    url = make_link_in_the_browser(page)
    # With JavaScript, the copy button appears and copies (the share sheet only where the
    # browser has one).
    copy = page.get_by_role("button", name="Copy the link")
    expect(copy).to_be_visible()
    copy.tap()
    expect(page.locator("#share-status")).not_to_be_empty()

    # The mentor: a browser of their own, never signed in, JavaScript off.
    mentor = watched_context(java_script_enabled=False).new_page()
    scripts: list[str] = []
    mentor.on("request", lambda r: r.resource_type == "script" and scripts.append(r.url))
    response = mentor.goto(url)
    assert response is not None and response.status == 200
    assert response.headers["referrer-policy"] == "no-referrer"
    expect(mentor.get_by_role("heading", level=1)).to_have_text(f"{account.name}'s progress")
    cards = mentor.locator("section.share-card h2")
    expect(cards).to_have_text(list(TWO_CARDS))
    expect(mentor.get_by_text("Finished the portfolio")).to_be_visible()
    expect(mentor.get_by_role("progressbar", name="0 of 3 applications")).to_be_visible()
    assert factories.SHARE_CANARY not in mentor.content()
    assert account.email not in mentor.content()

    mentor.get_by_label("A few words of encouragement").fill("So proud of the portfolio!")
    mentor.get_by_label("Your name (optional)").fill("Sam")
    mentor.get_by_role("button", name="Send the note").tap()
    expect(mentor.locator("#flashes")).to_contain_text("Your note is on its way.")
    assert scripts == [], f"the mentor's page loaded scripts: {scripts}"

    # The owner reads it on Today.
    page.get_by_role("link", name="Today").tap()
    notes = page.get_by_role("region", name="A note for you")
    expect(notes).to_contain_text("So proud of the portfolio!")
    expect(notes).to_contain_text("Sam, through your link for Sam, my mentor")

    # ...sees it was opened, and ends it.
    notes.get_by_role("link", name="Your share links").tap()
    # Opened, and shown again after the note was sent.
    expect(page.get_by_text("2 times, last on")).to_be_visible()
    page.get_by_role("button", name="End the link for Sam, my mentor now").tap()
    expect(page.locator("#flashes")).to_contain_text("no longer opens anything")

    reloaded = mentor.reload()
    assert reloaded is not None and reloaded.status == 404
    expect(mentor.get_by_role("heading", level=1)).to_have_text("This page isn't available")
    expect(mentor.get_by_text("So proud")).to_have_count(0)
    watch.expect_console_error(r"status of 404")
    watch.assert_clean()


def test_the_share_button_opens_the_phones_share_sheet_with_the_link(
    signed_in_page: Page, watch: BrowserWatch
):
    """Where the browser has the Web Share API (phones do; this Chromium does not, so a
    stand-in records the call), "Share…" appears and hands the sheet the link shown once."""
    page = signed_in_page
    page.context.add_init_script(
        "window.__shared = [];"
        "navigator.share = function (data) { window.__shared.push(data);"
        " document.body.setAttribute('data-shared', String(window.__shared.length));"
        " return Promise.resolve(); };"
    )
    page.goto("/")
    url = make_link_in_the_browser(page, "for Jo, my coach")
    share = page.get_by_role("button", name="Share…")
    expect(share).to_be_visible()
    share.tap()
    expect(page.locator("body")).to_have_attribute("data-shared", "1")
    assert page.evaluate("window.__shared") == [{"title": "My progress in Onward", "url": url}]
    watch.assert_clean()


def test_without_the_web_share_api_only_copy_shows(signed_in_page: Page, watch: BrowserWatch):
    page = signed_in_page
    page.context.add_init_script("delete Navigator.prototype.share;")
    page.goto("/")
    make_link_in_the_browser(page, "for Kim")
    assert page.evaluate("typeof navigator.share") == "undefined"
    expect(page.get_by_role("button", name="Copy the link")).to_be_visible()
    expect(page.locator("[data-share-from]")).to_be_hidden()
    watch.assert_clean()


def test_the_mentors_page_prints_only_the_cards(
    watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    with live_server.db():
        token = factories.make_share_link(factories.user_by_id(account.id),
                                          cards=("week", "checkins")).token
    page = watched_context().new_page()
    page.goto(f"/s/{token}")
    page.emulate_media(media="print")
    expect(page.get_by_role("heading", name="This week's goals")).to_be_visible()
    expect(page.locator(".note-form")).to_be_hidden()
    expect(page.locator(".print-hint")).to_be_hidden()
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(255, 255, 255)"
    assert len(page.pdf()) > 1000  # Chromium's "save as PDF"
    watch.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_share_pages_pass_axe_and_keep_44px_targets(
    scheme, watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    with live_server.db():
        user = factories.user_by_id(account.id)
        factories.seed_shareable_progress(user)
        new = factories.make_share_link(user, show_company_names=True)
        factories.make_mentor_note(user, new.link, body="Keep going, you're nearly there.")
        hidden = factories.make_mentor_note(user, new.link, body="Hidden one")
        factories.share.hide_note(hidden)
        link_id = new.link.id
    watch.expect_console_error(r"status of (404|422)")
    page = axe_context(watched_context, color_scheme=scheme).new_page()
    sign_in(page, account)
    problems: dict[str, list[str]] = {}
    small: list[str] = []

    def check(label: str, url: str | None = None) -> None:
        if url is not None:
            page.goto(url)
        problems[label] = axe_violations(page)
        small.extend(check_tap_targets(page, label))

    check("today with a note", "/")
    check("share links", "/share")
    check("a link", f"/share/{link_id}")
    page.locator("details.hidden-notes summary").tap()
    check("a link, hidden notes open")
    check("what a link shows", f"/share/{link_id}/cards")
    check("make a link", "/share/new")
    page.get_by_role("button", name="Make the link").tap()  # no label: errors
    expect(page.locator(".error").first).to_be_visible()
    check("make a link, with errors")
    page.get_by_label("Who is it for?").fill("for Kim, my coach")
    page.get_by_role("button", name="Make the link").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your link is ready")
    check("the link, shown once")
    # The mentor's side, signed out.
    mentor = axe_context(watched_context, color_scheme=scheme).new_page()

    def check_mentor(label: str, url: str | None = None) -> None:
        if url is not None:
            mentor.goto(url)
        problems[label] = axe_violations(mentor)
        small.extend(check_tap_targets(mentor, label))

    check_mentor("mentor's page", f"/s/{new.token}")
    mentor.get_by_role("button", name="Send the note").tap()
    expect(mentor.locator(".error").first).to_be_visible()
    check_mentor("mentor's page, note with errors")
    mentor.goto("/s/not-a-token")
    problems["mentor's 404"] = axe_violations(mentor)
    failing = {label: found for label, found in problems.items() if found}
    assert not failing, f"axe violations ({scheme}): {failing}"
    assert not small, "\n".join(small)
    watch.assert_clean()


def test_a_new_link_asks_for_the_password_when_the_login_is_not_fresh(
    watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    """Signed in with "keep me signed in", then the browser session ended: reading works,
    making a link asks for the password first (SEC-14)."""
    context = watched_context()
    page = context.new_page()
    page.goto("/auth/login")
    page.get_by_label("Email").fill(account.email)
    page.get_by_label("Password", exact=True).fill(account.password)
    page.get_by_label("Keep me signed in").check()
    page.get_by_role("button", name="Sign in").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hi, {account.name}")
    session = [c for c in context.cookies() if c["name"] == "onward_session"]
    context.clear_cookies(name="onward_session")
    assert session
    page.goto("/share")
    expect(page.get_by_role("heading", level=1)).to_have_text("Share with a mentor")
    page.get_by_role("link", name="Make a link").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Confirm it's you")
    page.get_by_label("Password").fill(account.password)
    page.get_by_role("button", name="Continue").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Make a share link")
    watch.assert_clean()
