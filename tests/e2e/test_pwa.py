"""Installing Onward and using it offline, in the real Chromium on a phone (issue 9):
Chrome's own installability check, the offline shell and its outbox (check in twice
offline, reload, back online: exactly two rows, and a replay adds none), a session that
ended while offline, a refused item in "needs attention", and signing out with items
waiting. The service worker really runs: contexts allow service workers (Playwright's
default) and go offline with `context.set_offline(True)`, which the worker's own fetch()
obeys too (TOOLCHAIN.md section 2)."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, Playwright, expect

from tests import factories
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    TIMEZONE,
    Account,
    BrowserWatch,
    LiveServer,
    sign_in,
)

pytestmark = pytest.mark.e2e

OFFLINE_ERRORS = r"ERR_INTERNET_DISCONNECTED|Failed to fetch|net::ERR_FAILED"


def wait_until_controlled(page: Page) -> None:
    """The service worker is installed (shell precached) and controls this page."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("!!navigator.serviceWorker.controller"):
        page.reload()
    page.wait_for_function("!!navigator.serviceWorker.controller")


def wait_until_true(page: Page, promise: str, timeout: float = 15_000) -> None:
    """Wait until the JS expression's promise resolves to true (asked again each frame)."""
    page.wait_for_function(
        f"() => {{ ({promise}).then(ok => {{ window.__waitedFor = ok; }}); "
        "return window.__waitedFor === true; }", timeout=timeout)
    page.evaluate("delete window.__waitedFor")


def outbox_items(page: Page) -> list[dict]:
    return page.evaluate("OnwardOutbox.all()")


def waiting_rows(page: Page):
    return page.locator("#outbox li[data-state]")


def go_offline_on_the_shell(page: Page, context: BrowserContext, watch: BrowserWatch) -> None:
    watch.expect_console_error(OFFLINE_ERRORS)
    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're offline")


def test_chrome_finds_onward_installable(playwright: Playwright, live_server: LiveServer,
                                         account: Account, tmp_path: Path):
    # Only a persistent (non-incognito) context answers without "in-incognito".
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True,
        base_url=live_server.url, timezone_id=TIMEZONE,
        **{k: v for k, v in playwright.devices[PHONE].items() if k != "default_browser_type"},
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        sign_in(page, account)
        wait_until_controlled(page)
        cdp = context.new_cdp_session(page)
        errors = cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]
        assert errors == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["errors"] == []
        assert manifest["url"].endswith("/manifest.webmanifest")
        # The More menu offers the steps for iPhones; Chrome's button waits for its prompt.
        page.goto("/account")
        expect(page.get_by_text("On an iPhone or iPad")).to_be_visible()
    finally:
        context.close()


def test_offline_check_ins_wait_then_reach_the_server_exactly_once(
    context: BrowserContext, live_server: LiveServer, account: Account, watch: BrowserWatch
):
    page = context.new_page()
    sign_in(page, account)
    wait_until_controlled(page)
    go_offline_on_the_shell(page, context, watch)

    page.get_by_role("button", name="Mood: good", exact=True).tap()
    expect(waiting_rows(page)).to_have_count(1)
    page.get_by_role("button", name="Mood: okay", exact=True).tap()
    expect(waiting_rows(page)).to_have_count(2)
    expect(page.locator("#outbox")).to_contain_text("waiting to sync")

    # Still offline after a reload: both are still there, and the server has neither.
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're offline")
    expect(waiting_rows(page)).to_have_count(2)
    expect(page.locator("#outbox li").nth(0)).to_contain_text("Check-in: good")
    expect(page.locator("#outbox li").nth(1)).to_contain_text("Check-in: okay")
    assert live_server.checkins(account) == []
    kept = outbox_items(page)
    assert len({item["id"] for item in kept}) == 2

    context.set_offline(False)
    # The page (on `online`) and the worker (Background Sync) may share the sending.
    expect(page.locator("#flashes")).to_contain_text(re.compile(r"Synced: [12] thing"))
    expect(page.locator("#outbox")).to_be_hidden()
    rows = live_server.checkins(account)
    assert sorted(row.mood for row in rows) == [3, 4]
    assert {row.client_uuid for row in rows} == {item["id"] for item in kept}
    assert outbox_items(page) == []

    # The same two items sent a third time (as after a lost answer): nothing new is stored.
    page.evaluate("""items => Promise.all(items.map(i => OnwardOutbox.add(i)))
                       .then(() => OnwardOutbox.flush({force: true}))""", kept)
    expect(page.locator("#outbox")).to_be_hidden()
    assert outbox_items(page) == []
    assert len(live_server.checkins(account)) == 2

    # Back on Today they are in today's list.
    page.goto("/")
    expect(page.locator("#today-checkins")).to_contain_text("Good")
    watch.assert_clean()


def test_a_session_that_ended_offline_keeps_the_items_until_sign_in(
    context: BrowserContext, live_server: LiveServer, account: Account, watch: BrowserWatch
):
    page = context.new_page()
    sign_in(page, account)
    wait_until_controlled(page)
    go_offline_on_the_shell(page, context, watch)
    page.get_by_role("button", name="Mood: great", exact=True).tap()
    expect(waiting_rows(page)).to_have_count(1)

    live_server.end_sessions(account)  # the session ends while the phone is offline
    watch.expect_console_error(r"401")
    context.set_offline(False)
    expect(page.locator("#outbox li[data-state='signin']")).to_have_count(1)
    expect(page.locator("#outbox")).to_contain_text("waiting for you to sign in")
    assert live_server.checkins(account) == []

    sign_in(page, account)  # Today loads, and sends it
    expect(page.locator("#flashes")).to_contain_text("Synced: 1 thing")
    expect(page.locator("#outbox")).to_be_hidden()
    rows = live_server.checkins(account)
    assert [row.mood for row in rows] == [5]
    page.reload()  # a later page load sends nothing again
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hi, {account.name}")
    page.wait_for_function("OnwardOutbox.all().then(items => items.length === 0)")
    assert len(live_server.checkins(account)) == 1
    watch.assert_clean()


def test_a_refused_item_lands_in_needs_attention_with_the_reason(
    context: BrowserContext, live_server: LiveServer, account: Account, watch: BrowserWatch
):
    page = context.new_page()
    sign_in(page, account)
    wait_until_controlled(page)
    go_offline_on_the_shell(page, context, watch)
    page.get_by_role("button", name="Mood: bad", exact=True).tap()
    expect(waiting_rows(page)).to_have_count(1)
    # The same id already saved with other answers (another device, say): the server
    # refuses it with 422 and says why (OFF-03).
    item = outbox_items(page)[0]
    with live_server.db():
        factories.make_checkin(factories.user_by_id(account.id), 5, client_uuid=item["id"])
    watch.expect_console_error(r"422")
    context.set_offline(False)
    attention = page.locator("#outbox li[data-state='attention']")
    expect(attention).to_have_count(1)
    expect(page.locator("#outbox")).to_contain_text("Needs your attention")
    expect(attention).to_contain_text("already saved with other answers")
    assert [row.mood for row in live_server.checkins(account)] == [5]

    # It stays until the person dismisses it: never dropped without them seeing it.
    page.reload()
    expect(attention).to_have_count(1)
    attention.get_by_role("button", name=re.compile(r"^Dismiss")).tap()
    expect(page.locator("#outbox")).to_be_hidden()
    assert outbox_items(page) == []
    watch.assert_clean()


def test_self_care_tapped_offline_is_sent_for_its_day(
    context: BrowserContext, live_server: LiveServer, account: Account, watch: BrowserWatch
):
    page = context.new_page()
    sign_in(page, account)
    wait_until_controlled(page)
    go_offline_on_the_shell(page, context, watch)
    exercise = page.get_by_role("button", name="Exercise", exact=True)
    expect(exercise).to_have_attribute("aria-pressed", "false")
    exercise.tap()
    expect(exercise).to_have_attribute("aria-pressed", "true")
    expect(waiting_rows(page)).to_have_count(1)
    context.set_offline(False)
    expect(page.locator("#outbox")).to_be_hidden()
    page.goto("/")
    expect(page.get_by_role("button", name="Exercise", exact=True)).to_have_attribute(
        "aria-pressed", "true")
    watch.assert_clean()


def test_signing_out_with_items_waiting_asks_first(
    context: BrowserContext, live_server: LiveServer, account: Account, watch: BrowserWatch
):
    page = context.new_page()
    sign_in(page, account)
    page.goto("/account")
    # A check-in kept on this phone for another account (its session ended here earlier):
    # it can't be sent as this one's, so it is still waiting when this person signs out.
    page.evaluate("""OnwardOutbox.add({id: "0b0e4bd6-5b8e-4c47-9f0e-2f3c1a2b3c4d",
        kind: "checkin", url: "/checkins", label: "good", createdAt: Date.now(),
        account: 2147483000, headers: {}, fields: {mood: "4"}})""")
    expect(waiting_rows(page)).to_have_count(1)
    sign_out = page.locator("main").get_by_role("button", name="Sign out", exact=True)
    sign_out.tap()
    dialog = page.get_by_role("dialog", name="1 thing hasn't synced yet")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name="Stay signed in")).to_be_focused()
    dialog.get_by_role("button", name="Stay signed in").tap()
    expect(dialog).to_have_count(0)
    assert urlsplit(page.url).path == "/account"
    assert len(outbox_items(page)) == 1

    sign_out.tap()
    page.get_by_role("dialog").get_by_role("button", name="Sign out and delete them").tap()
    expect(page.locator("#flashes")).to_contain_text("You're signed out")
    assert urlsplit(page.url).path == "/auth/login"
    assert outbox_items(page) == []
    assert page.evaluate("OnwardOutbox.getMeta('account')") is None
    watch.assert_clean()


def fill_outbox(page: Page, count: int, *, days_old: float = 0, state: str = "signin") -> None:
    """`count` items kept for another account, so none can be sent from this session."""
    page.evaluate("""([count, daysOld, state]) => {
        const made = Date.now() - daysOld * 86400000;
        const items = Array.from({length: count}, (_, i) => ({
            id: "other-" + state + "-" + i, kind: "checkin", url: "/checkins", label: "okay",
            createdAt: made + i, account: 2147483000, headers: {}, fields: {mood: "3"},
            state: state, attempts: 0, nextTryAt: 0,
            reason: state === "attention" ? "This check-in was already saved with other answers." : undefined,
        }));
        return items.reduce((chain, item) => chain.then(() => OnwardOutbox.put(item)),
                            Promise.resolve()).then(() => OnwardOutbox.flush());
    }""", [count, days_old, state])


def test_a_full_outbox_refuses_a_new_item_and_old_ones_bring_a_banner(
    context: BrowserContext, live_server: LiveServer, account: Account, watch: BrowserWatch
):
    page = context.new_page()
    sign_in(page, account)
    wait_until_controlled(page)
    fill_outbox(page, 200, days_old=8)
    page.reload()
    expect(waiting_rows(page)).to_have_count(200)
    expect(page.locator("#outbox")).to_contain_text("waited more than a week")
    go_offline_on_the_shell(page, context, watch)
    page.get_by_role("button", name="Mood: good", exact=True).tap()
    expect(page.locator("#flashes")).to_contain_text("holding 200 things waiting to sync")
    items = outbox_items(page)
    assert len(items) == 200 and all(item["id"].startswith("other-") for item in items)
    watch.assert_clean()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_offline_shell_the_outbox_and_the_install_card_pass_axe(
    watched_context, live_server: LiveServer, account: Account, watch: BrowserWatch, scheme
):
    from tests.e2e.test_accessibility import axe_context, axe_violations

    page = axe_context(watched_context, color_scheme=scheme).new_page()
    sign_in(page, account)
    fill_outbox(page, 2)
    fill_outbox(page, 1, state="attention")
    page.goto("/offline")  # the shell, with Today's habits and what's waiting
    expect(page.locator("[data-offline-habits]")).to_be_visible()
    expect(page.locator("#outbox li[data-state='attention']")).to_have_count(1)
    assert axe_violations(page) == []
    page.goto("/account")
    expect(page.get_by_role("heading", name="Onward on your home screen")).to_be_visible()
    page.get_by_text("On an iPhone or iPad").tap()
    assert axe_violations(page) == []
    page.locator("main").get_by_role("button", name="Sign out", exact=True).tap()
    expect(page.get_by_role("dialog")).to_be_visible()
    assert axe_violations(page) == []
    watch.assert_clean()


def test_a_lost_answer_goes_to_the_outbox_and_already_stored_clears_it(
    context: BrowserContext, live_server: LiveServer, account: Account, watch: BrowserWatch
):
    page = context.new_page()
    sign_in(page, account)
    sent = []

    def lose_the_answer(route):
        sent.append(route.request.post_data)
        route.fetch()  # the server saves it, but the phone never hears back
        route.abort("connectionreset")

    page.route("**/checkins", lose_the_answer)
    watch.expect_console_error(r"ERR_CONNECTION_RESET|Failed to load resource|htmx:")
    page.get_by_role("button", name="Mood: great", exact=True).tap()
    # Told it is kept; the worker's Background Sync may send it again at once (the page's
    # route doesn't see the worker's own requests), and then says it is synced instead.
    expect(page.locator("#flashes")).to_contain_text(
        re.compile("kept on this phone|Synced: 1 thing you saved offline"))
    assert len(live_server.checkins(account)) == 1
    page.unroute("**/checkins")

    # The outbox sends it again (Background Sync at once in Chromium, else after a short
    # backoff); the server has it already and says so, so it leaves the outbox, and there
    # is still one check-in.
    wait_until_true(page, "OnwardOutbox.all().then(items => items.length === 0)")
    expect(page.locator("#outbox")).to_be_hidden()
    assert len(sent) == 1
    assert len(live_server.checkins(account)) == 1
    watch.assert_clean()


def test_a_new_version_takes_over_says_so_and_removes_the_old_cache(
    context: BrowserContext, live_server: LiveServer, account: Account, watch: BrowserWatch,
    monkeypatch: pytest.MonkeyPatch
):
    page = context.new_page()
    sign_in(page, account)
    wait_until_controlled(page)
    old_caches = page.evaluate("caches.keys()")
    assert len(old_caches) == 1 and old_caches[0].startswith("onward-shell-")
    # A deploy: another set of files, so the worker's bytes and cache name change.
    from webapp.pwa import shell

    monkeypatch.setattr(shell, "cache_version", lambda urls: "nextversion1")
    page.evaluate("navigator.serviceWorker.getRegistration().then(r => r.update())")
    banner = page.get_by_role("status").filter(has_text="Onward has been updated")
    expect(banner).to_be_visible(timeout=15_000)
    # The old cache goes once the new worker has finished activating.
    wait_until_true(page, """caches.keys().then(names =>
        names.length === 1 && names[0] === "onward-shell-nextversion1")""")
    with page.expect_navigation():
        banner.get_by_role("button", name="Reload").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hi, {account.name}")
    # Only the shell is kept: fingerprinted static files and /offline, never a page.
    kept = page.evaluate("""caches.open("onward-shell-nextversion1")
        .then(c => c.keys()).then(rs => rs.map(r => new URL(r.url).pathname))""")
    assert "/offline" in kept
    assert all(path == "/offline" or path.startswith("/static/") for path in kept), kept
    watch.assert_clean()


def test_the_install_button_appears_only_when_the_browser_offers_to_install(
    signed_in_page: Page, watch: BrowserWatch
):
    page = signed_in_page
    page.goto("/account")
    install = page.get_by_role("button", name="Install Onward")
    expect(install).to_be_hidden()  # nothing offered yet (and never, on iOS or Firefox)
    # What Chrome does when Onward can be installed: an event whose prompt() asks the user.
    page.evaluate("""() => {
        const offer = new Event("beforeinstallprompt", {cancelable: true});
        offer.prompt = () => { window.__prompted = true; return Promise.resolve(); };
        offer.userChoice = Promise.resolve({outcome: "accepted"});
        window.dispatchEvent(offer);
    }""")
    expect(install).to_be_visible()
    install.tap()
    assert page.evaluate("window.__prompted") is True
    expect(install).to_be_hidden()
    page.evaluate("window.dispatchEvent(new Event('appinstalled'))")
    expect(page.get_by_text("Onward is installed on this device.")).to_be_visible()
    watch.assert_clean()
