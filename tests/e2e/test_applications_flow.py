"""Applications in a real browser on a phone: add an application, mark it rejected, walk the
whole rejection flow without a page load, open the feedback draft, and see the steps-to-yes
count rise on Today; active search; one tap on "no reply?"."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests import factories
from tests.e2e.conftest import Account, BrowserWatch, LiveServer, today_in

pytestmark = pytest.mark.e2e


def steps_to_yes(page: Page) -> str:
    page.goto("/")
    return page.locator("#job-search #steps-to-yes").inner_text()


def add_applications(live_server: LiveServer, account: Account, *names: str,
                     days_ago: int = 0) -> None:
    with live_server.db():
        user = factories.user_by_id(account.id)
        for name in names:
            factories.make_application(user, name, "Designer",
                                       applied_on=today_in() - timedelta(days=days_ago))


def test_from_a_new_application_through_the_whole_rejection_flow(
    signed_in_page: Page, context: BrowserContext, watch: BrowserWatch, base_url: str
):
    page = signed_in_page
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base_url)
    assert steps_to_yes(page) == "0"

    # Add an application from the list's quick form.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Applications").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Applications")
    page.get_by_label("Company", exact=True).fill("Acme & Sons")
    page.get_by_label("Role", exact=True).fill("Product designer")
    page.get_by_role("button", name="Add it").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Product designer")
    expect(page.locator("#flashes")).to_contain_text("Added Product designer at Acme & Sons.")

    # Mark it rejected: step 1 is its own page.
    page.get_by_role("link", name="I heard no: mark it rejected").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("A no from Acme & Sons")
    page.locator("label.chip", has_text="After an interview").tap()
    page.get_by_role("button", name="Continue").tap()
    expect(page.get_by_role("heading", level=2, name="It isn't a verdict on you")).to_be_visible()

    # From here every step is an htmx swap: the page itself never loads again.
    page.evaluate("window.__sameDocument = true")
    reflection = urlsplit(page.url).path

    page.get_by_label("They went with someone already inside").check()
    page.get_by_label("Lots of people applied").check()
    page.get_by_role("button", name="Save").tap()
    expect(page.locator(".reminder")).to_contain_text("not about what you're worth")
    expect(page.locator(".reminder")).to_contain_text("An inside candidate starts with years of trust")
    page.get_by_role("link", name="Next: the thought").tap()

    expect(page.get_by_role("heading", level=2)).to_have_text("The thought that came")
    assert parse_qs(urlsplit(page.url).query) == {"step": ["thought"]}  # the URL follows
    page.get_by_label("What went through your mind?").fill("I'll never get hired")
    page.get_by_label("How much do you believe it, from 0 to 100?").fill("85")
    page.get_by_label("Fortune telling").check()
    page.get_by_role("button", name="Save and continue").tap()

    expect(page.get_by_role("heading", level=2)).to_have_text("Another look at it")
    expect(page.get_by_role("heading", level=2)).to_be_focused()  # screen readers hear it
    page.get_by_label(re.compile("I reached the interview stage once")).check()
    page.get_by_label("A kinder, more balanced thought").fill("One no is not every no.")
    page.get_by_role("button", name="Save and continue").tap()

    expect(page.get_by_role("heading", level=2)).to_have_text("Where it points")
    page.get_by_label("What can this teach you?").fill("Practise the portfolio story.")
    page.get_by_label("What might it be pointing you toward?").fill("Smaller studios.")
    page.get_by_label(re.compile("How much do you believe the first thought now")).fill("40")
    page.get_by_role("button", name="Save and continue").tap()

    # Step 4: the feedback draft, its mail link kept in step with edits, and Copy.
    expect(page.get_by_role("heading", level=2)).to_have_text("Ask for feedback")
    mail = page.get_by_role("link", name="Open in mail app")
    assert mail.get_attribute("href").startswith("mailto:?subject=Thank%20you")
    message = page.get_by_label("Message")
    expect(message).to_contain_text("the Product designer role at Acme & Sons")
    message.fill("Hello,\n\nCould you share a line of feedback? Thanks & all the best.")
    body = parse_qs(urlsplit(mail.get_attribute("href")).query)["body"][0]
    assert body == "Hello,\r\n\r\nCould you share a line of feedback? Thanks & all the best."
    page.get_by_role("button", name="Copy the message").tap()
    expect(page.locator("[data-copy-status]")).to_have_text(re.compile("^Copied"))
    assert page.evaluate("navigator.clipboard.readText()").startswith("Hello,")
    page.get_by_role("button", name="I've sent it").tap()

    # Step 5: the count went up, one next step, a check-in.
    expect(page.get_by_role("heading", level=2)).to_have_text("Forward")
    expect(page.locator("#flow-step #steps-to-yes")).to_have_text("1")
    expect(page.locator(".notice")).to_contain_text("One next step:")
    page.locator("label.chip", has_text="Apply to one more role").tap()
    page.get_by_role("button", name="Finish").tap()
    expect(page.locator("#flow-step")).to_contain_text("Your reflection is saved")
    # ...and ends with a mood check-in, in place.
    page.get_by_role("button", name="Mood: okay", exact=True).tap()
    expect(page.locator("#checkin-panel h2")).to_have_text("Saved: you're feeling okay")
    expect(page.locator("#today-checkins .checkin-list li")).to_contain_text("Okay")
    assert page.evaluate("window.__sameDocument === true")
    assert urlsplit(page.url).path == reflection

    # The reflection is on the application's timeline; Today counts the no.
    page.get_by_role("link", name="Back to Acme & Sons").tap()
    expect(page.locator(".timeline")).to_contain_text("You wrote a reflection.")
    expect(page.locator(".timeline")).to_contain_text("“One no is not every no.”")
    expect(page.locator(".timeline")).to_contain_text("Asked for feedback")
    assert steps_to_yes(page) == "1"
    expect(page.locator("#job-search")).to_contain_text("step to yes. Every no is a step")
    expect(page.locator("#today-checkins .checkin-list li")).to_have_count(1)
    watch.assert_clean()


def test_i_got_a_rejection_from_today_adds_the_application_on_the_way(
    signed_in_page: Page, watch: BrowserWatch
):
    page = signed_in_page
    page.get_by_role("link", name="I got a rejection").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("I got a rejection")
    page.get_by_label("Company", exact=True).fill("Initech")
    page.get_by_label("Role", exact=True).fill("Analyst")
    page.get_by_role("button", name="Continue").tap()
    expect(page.get_by_role("heading", level=2)).to_have_text("It isn't a verdict on you")
    assert steps_to_yes(page) == "1"
    watch.assert_clean()


def test_search_as_you_type_updates_the_list_and_the_url(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    add_applications(live_server, account, "Acme", "Globex", "Initech")
    page.goto("/applications")
    page.evaluate("window.__sameDocument = true")
    expect(page.locator(".application-item")).to_have_count(3)
    page.get_by_label("Search by company or role").press_sequentially("glob", delay=30)
    expect(page.locator(".application-item")).to_have_count(1)
    expect(page.locator(".application-item")).to_contain_text("Globex")
    expect(page).to_have_url(re.compile(r"/applications\?q=glob$"))
    assert page.evaluate("window.__sameDocument === true")
    page.reload()  # the pushed URL is a real page too
    expect(page.locator(".application-item")).to_have_count(1)
    watch.assert_clean()


def test_no_reply_is_one_tap_after_three_quiet_weeks(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    add_applications(live_server, account, "Quiet Ltd", days_ago=22)
    page.goto("/applications")
    row = page.locator(".application-item", has_text="Quiet Ltd")
    expect(row).to_contain_text("No news for three weeks")
    row.get_by_role("button", name=re.compile("^Mark as no reply")).tap()
    expect(row.locator(".stage-tag")).to_have_text("No reply")
    expect(row).not_to_contain_text("No news for three weeks")
    assert steps_to_yes(page) == "1"
    watch.assert_clean()


def test_the_mail_link_follows_a_long_edited_draft(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    """feedback.js rebuilds the mailto: link as the user edits: subject and body
    percent-encoded (CRLF line breaks), whatever they hold and however long the body is."""
    page = signed_in_page
    with live_server.db():
        application = factories.make_application(
            factories.user_by_id(account.id), "Acme", "Designer", contact_email="jo+hr@acme.test")
        application_id = application.id
    page.goto(f"/applications/{application_id}/feedback")
    body = ("Q&A? 100% yes + more #1 / é ✓\nSecond line\n\n" * 80).strip()
    page.get_by_label("Subject").fill("Re: you & me?")
    page.get_by_label("Message").fill(body)
    href = page.get_by_role("link", name="Open in mail app").get_attribute("href")
    assert href is not None and len(href) > 5000
    parts = urlsplit(href)
    assert parts.scheme == "mailto" and unquote(parts.path) == "jo+hr@acme.test"
    fields = parse_qs(parts.query, keep_blank_values=True)
    assert fields == {"subject": ["Re: you & me?"], "body": [body.replace("\n", "\r\n")]}
    watch.assert_clean()
