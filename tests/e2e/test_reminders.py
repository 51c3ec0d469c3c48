"""Reminders in a real browser on a phone: the settings page (axe, light and dark, 44 px
targets), choosing a time and days and saving, and Today's gentle nudge when this browser
has no push subscription, dismissed for a week. Headless Chromium here has no push service,
so subscribing itself is covered by the server tests."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Account, BrowserWatch, LiveServer, sign_in
from tests.e2e.test_accessibility import axe_context, axe_violations, check_tap_targets
from webapp.models import User

pytestmark = pytest.mark.e2e


def reminder_settings(live_server: LiveServer, account: Account) -> tuple[bool, int, int]:
    with live_server.db() as session:
        user = session.get(User, account.id)
        return user.reminder_on, user.reminder_minute, user.reminder_days


def test_choosing_a_time_and_days_then_the_nudge_on_today(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    # Reminders are off: Today has no nudge at all.
    expect(page.locator("[data-reminder-nudge]")).to_have_count(0)

    page.get_by_role("link", name="More").tap()
    page.get_by_role("link", name="Reminders: a daily nudge to check in").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Reminders")
    # This browser has no service worker on this branch: the page says so, calmly, and
    # offers no button that can't work.
    status = page.locator("[data-device-status]")
    expect(status).not_to_have_text("Checking this device…")
    expect(page.get_by_role("button", name="Turn on for this device")).to_be_hidden()

    # Reminders on, with no day: told, nothing saved.
    watch.expect_console_error(r"status of 422")  # sent without a day on purpose
    page.get_by_label("Remind me to check in").check()
    days = page.get_by_role("group", name="On these days")
    for day in days.get_by_role("checkbox").all():
        day.uncheck()
    page.get_by_role("button", name="Save").tap()
    expect(page.get_by_text("Choose at least one day, or turn reminders off.")).to_be_visible()
    assert reminder_settings(live_server, account) == (False, 540, 127)

    page.get_by_label("At what time").fill("18:30")
    days.get_by_role("checkbox", name="Monday").tap()
    days.get_by_role("checkbox", name="Thursday").tap()
    page.get_by_role("button", name="Save").tap()
    expect(page.get_by_text("Saved. We'll remind you then.")).to_be_visible()
    assert reminder_settings(live_server, account) == (True, 18 * 60 + 30, 0b1001)
    expect(page.get_by_label("At what time")).to_have_value("18:30")

    # Today: reminders are on but this browser can't get them, so the nudge shows.
    page.get_by_role("link", name="Today").tap()
    nudge = page.get_by_role("complementary", name="A gentle reminder")
    expect(nudge).to_be_visible()
    nudge.get_by_role("button", name="Hide for a week").tap()
    expect(nudge).to_be_hidden()
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hi, {account.name}")
    expect(page.locator("[data-reminder-nudge]")).to_be_hidden()
    watch.assert_clean()


def test_a_test_reminder_with_no_device_says_what_to_do(
    signed_in_page: Page, watch: BrowserWatch
):
    page = signed_in_page
    page.goto("/reminders")
    page.get_by_role("button", name="Send a test reminder").tap()
    expect(page.get_by_text("None of your devices has reminders turned on yet")).to_be_visible()
    watch.assert_clean()


def test_reminder_pages_are_axe_clean_with_44px_targets(
    page: Page, watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    with live_server.db():
        from tests import factories
        factories.set_reminder(factories.user_by_id(account.id))
    problems: dict[str, list[str]] = {}
    small: list[str] = []
    sign_in(page, account)
    for scheme in ("light", "dark"):
        axe_page = axe_context(watched_context, color_scheme=scheme).new_page()
        sign_in(axe_page, account)
        expect(axe_page.locator("[data-reminder-nudge]")).to_be_visible()
        problems[f"today with the nudge ({scheme})"] = axe_violations(axe_page)
        axe_page.goto("/reminders")
        expect(axe_page.locator("[data-device-status]")).not_to_have_text("Checking this device…")
        problems[f"reminders ({scheme})"] = axe_violations(axe_page)
        watch.expect_console_error(r"status of 422")  # sent without a time on purpose
        axe_page.get_by_label("At what time").fill("")
        axe_page.get_by_role("button", name="Save").tap()
        expect(axe_page.locator(".error").first).to_be_visible()
        problems[f"reminders, with errors ({scheme})"] = axe_violations(axe_page)
    page.goto("/reminders")
    small += check_tap_targets(page, "reminders")
    page.goto("/")
    expect(page.locator("[data-reminder-nudge]")).to_be_visible()
    small += check_tap_targets(page, "today with the nudge")
    failing = {label: found for label, found in problems.items() if found}
    assert not failing, "axe violations:\n" + "\n".join(
        f"- {label}:\n    " + "\n    ".join(found) for label, found in failing.items())
    assert not small, "\n".join(small)
    watch.assert_clean()
