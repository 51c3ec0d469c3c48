"""Reminders in a real browser on a phone: the settings page (axe, light and dark, 44 px
targets), choosing a time and days and saving, and Today's gentle nudge when this browser
has no push subscription, dismissed for a week. Headless Chromium here has no push service,
so subscribing itself is covered by the server tests."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tests import factories
from tests.e2e.conftest import Account, BrowserWatch, LiveServer, sign_in
from tests.e2e.test_accessibility import axe_context, axe_violations, check_tap_targets
from webapp.models import User
from webapp.reminders.services import MESSAGE

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
    # The service worker is there and this browser has no subscription yet: it offers one.
    # Asked for permission, headless Chromium says no: the page takes that calmly.
    status = page.locator("[data-device-status]")
    expect(status).to_have_text("Reminders are off for this device.")
    page.get_by_role("button", name="Turn on for this device").tap()
    expect(status).to_contain_text("Without notifications, Today will give you a gentle nudge")

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
        user = factories.user_by_id(account.id)
        factories.set_reminder(user)
        # Another device has reminders on, so the page shows "stop on my other devices".
        factories.make_push_subscription(user, f"https://fcm.googleapis.com/fcm/send/{account.id}",
                                         p256dh="BP" + "A" * 85, auth="A" * 22)
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
        expect(axe_page.get_by_role("button", name="Stop reminders on my other devices")
               ).to_be_visible()
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


# The service worker's push part runs here on a plain page: `self` is the window, with a
# stand-in for the registration (showNotification) and for clients (the open windows).
SW_HARNESS = """(source) => {
  window.__shown = [];
  window.__opened = [];
  window.__focused = [];
  Object.defineProperty(window, "registration", { configurable: true, value: {
    showNotification: (title, options) => { window.__shown.push({ title, ...options }); return Promise.resolve(); },
  }});
  Object.defineProperty(window, "clients", { configurable: true, value: {
    matchAll: () => Promise.resolve(window.__windows || []),
    openWindow: (url) => { window.__opened.push(url); return Promise.resolve(null); },
  }});
  (0, eval)(source);
}"""

DISPATCH = """async ([type, payload]) => {
  const event = new Event(type);
  let waited = Promise.resolve();
  event.waitUntil = (promise) => { waited = promise; };
  if (type === "push") {
    event.data = payload === null ? null : { json: () => JSON.parse(payload), text: () => payload };
  } else {
    event.notification = { data: payload, close: () => {} };
  }
  window.dispatchEvent(event);
  await waited;
}"""


def test_the_service_workers_push_part_shows_one_notification_and_opens_onward(
    watched_context, live_server: LiveServer
):
    with live_server.app.test_request_context():
        source = live_server.app.jinja_env.get_template("pwa/sw_push.js").render()
    page = watched_context(bypass_csp=True).new_page()
    page.goto("/auth/login")  # any page of ours: the worker script sees our origin
    page.evaluate(SW_HARNESS, source)

    page.evaluate(DISPATCH, ["push", json.dumps(MESSAGE)])
    shown = page.evaluate("window.__shown")
    assert len(shown) == 1
    assert shown[0]["title"] == MESSAGE["title"]
    assert shown[0]["body"] == MESSAGE["body"]
    assert shown[0]["tag"] == "checkin-reminder"  # a newer reminder replaces the older one
    assert re.fullmatch(r"/static/icons/icon\.[0-9a-f]{8,}\.svg", shown[0]["icon"])
    # A push with no payload still shows a kind reminder (browsers require one).
    page.evaluate(DISPATCH, ["push", None])
    assert page.evaluate("window.__shown[1].title") == "A moment for you"

    # No Onward window open: tapping opens one at the page the message names.
    page.evaluate(DISPATCH, ["notificationclick", {"url": "/"}])
    assert page.evaluate("window.__opened") == [f"{live_server.url}/"]
    # A link to elsewhere is never followed.
    page.evaluate(DISPATCH, ["notificationclick", {"url": "https://example.com/x"}])
    assert page.evaluate("window.__opened")[-1] == f"{live_server.url}/"
    # An open window is focused instead of opening another.
    page.evaluate("""() => { window.__windows = [{ url: location.href,
        focus: () => { window.__focused.push(1); return Promise.resolve(); } }]; }""")
    page.evaluate(DISPATCH, ["notificationclick", {"url": "/"}])
    assert page.evaluate("window.__focused") == [1]
    assert len(page.evaluate("window.__opened")) == 2


def test_a_push_to_the_real_service_worker_shows_the_reminder(
    watched_context, live_server: LiveServer, account: Account
):
    """The push part inside the real /sw.js: Chromium's DevTools hand a push message to the
    registered worker (no push service needed here), and it shows one notification."""
    context = watched_context()
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = context.new_page()
    sign_in(page, account)
    # The worker is active and its update check on this navigation is over, so nothing
    # replaces it while the message is on its way.
    page.evaluate("navigator.serviceWorker.ready.then(r => r.update()).then(() => true)")

    cdp = context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: registrations.extend(event["registrations"]))
    cdp.send("ServiceWorker.enable")
    scope = f"{live_server.url}/"
    for _ in range(100):  # the registrations arrive as events: a frame at a time, bounded
        ours = [r for r in registrations if r["scopeURL"] == scope and not r["isDeleted"]]
        if ours:
            break
        page.evaluate("new Promise(done => requestAnimationFrame(done))")
    assert ours, registrations
    shown_yet = """() => {
        navigator.serviceWorker.ready.then(r => r.getNotifications()).then(shown => {
            window.__shown = shown.map(n => ({ title: n.title, body: n.body, tag: n.tag }));
        });
        return (window.__shown || []).length > 0;
    }"""
    # DevTools hands the message to a worker it may have to start first, and now and then a
    # message sent while it starts goes nowhere; a push service retries, and so do we (a
    # second copy replaces the first: same tag).
    for attempt in range(3):
        cdp.send("ServiceWorker.deliverPushMessage", {
            "origin": live_server.url, "registrationId": ours[0]["registrationId"],
            "data": json.dumps(MESSAGE)})
        try:
            page.wait_for_function(shown_yet, timeout=10_000)
            break
        except PlaywrightTimeoutError:
            if attempt == 2:
                raise
    assert page.evaluate("window.__shown") == [
        {"title": MESSAGE["title"], "body": MESSAGE["body"], "tag": "checkin-reminder"}]
