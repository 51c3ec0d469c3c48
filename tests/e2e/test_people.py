"""People in a real browser on a phone: add someone, tap "reached out today" and count it
as networking without leaving the page; the gentle nudge; tap targets at 360 px."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests import factories
from tests.e2e.conftest import Account, BrowserWatch, LiveServer, today_in
from tests.e2e.test_accessibility import check_tap_targets
from webapp.models import Activity, Contact

pytestmark = pytest.mark.e2e


def test_add_someone_then_reach_out_today_and_count_it_as_networking(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    page.get_by_role("link", name="More").tap()
    page.get_by_role("link", name="People: your support network").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    page.get_by_role("link", name="Add someone").tap()
    page.get_by_label("Name").fill("Priya")
    page.get_by_label("Who they are to you").select_option(label="Mentor or coach")
    page.get_by_label("How to reach them (optional)").fill("priya@example.org")
    page.get_by_label("A gentle reminder to get in touch").select_option(label="After two weeks")
    page.get_by_role("button", name="Save").tap()
    expect(page.locator("#flashes")).to_contain_text("Priya is in your support network now.")
    card = page.locator(".contact-card", has_text="Priya")
    expect(card).to_contain_text("Mentor or coach · priya@example.org")
    expect(card).to_contain_text("No time in touch noted yet.")

    page.evaluate("window.__sameDocument = 'still here'")
    card.get_by_role("button", name="Reached out today to Priya").tap()
    expect(card).to_contain_text("In touch today.")
    expect(page.locator("#flashes")).to_contain_text("Noted: you were in touch with Priya today.")
    card.get_by_role("button", name="Count it as networking with Priya").tap()
    expect(card).to_contain_text("Counted as networking this week.")
    expect(card.get_by_role("button", name="Count it as networking with Priya")).to_have_count(0)
    assert page.evaluate("window.__sameDocument") == "still here"

    with live_server.db() as session:
        contact = session.scalar(select(Contact).where(Contact.user_id == account.id))
        [activity] = session.scalars(select(Activity).where(Activity.user_id == account.id))
        assert (contact.last_contacted_on, contact.nudge_after_days) == (today_in(), 14)
        assert (activity.kind, activity.contact_id, activity.done_on) == (
            "networking", contact.id, today_in()
        )
    watch.assert_clean()


def test_a_gentle_nudge_goes_once_you_reach_out(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    with live_server.db():
        user = factories.user_by_id(account.id)
        factories.make_contact(user, "Jo", relation="friend", nudge_after_days=7,
                               last_contacted_on=today_in() - timedelta(days=10))
        factories.make_contact(user, "A friend with a very long name who lives far away",
                               relation="online_community",
                               how_to_reach="https://community.example.org/members/a-long-handle",
                               notes="Met at the design meetup.")
    page.goto("/people")
    jo = page.locator(".contact-card", has_text="Jo")
    expect(jo.locator(".nudge")).to_contain_text("a short hello to Jo")
    expect(page.locator(".notice")).to_contain_text("No rush")
    problems = check_tap_targets(page, "people")
    page.goto("/people/new")
    problems += check_tap_targets(page, "add someone")
    assert not problems, "\n".join(problems)

    page.goto("/people")
    jo.get_by_role("button", name="Reached out, and count it as networking with Jo").tap()
    expect(jo).to_contain_text("Counted as networking this week.")
    expect(jo.locator(".nudge")).to_have_count(0)
    watch.assert_clean()
