"""The daily loop in a real browser on a phone: sign up, one-tap check-in, details,
self-care, history; check-in ids made on the phone; an expired session on an htmx tap; and
the README screenshot."""

from __future__ import annotations

import os
import re
import struct
import uuid
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from playwright.sync_api import Locator, Page, Response, expect

from tests.e2e.conftest import (
    PHONE,
    ROOT,
    TIMEZONE,
    Account,
    BrowserWatch,
    LiveServer,
    sign_in,
    today_in,
)

pytestmark = pytest.mark.e2e

SCREENSHOT = ROOT / "docs" / "screenshots" / "today.png"


def is_checkin_post(response: Response) -> bool:
    return response.request.method == "POST" and urlsplit(response.url).path == "/checkins"


def day_section(page: Page, day: date) -> Locator:
    """The history card of one day."""
    return page.locator("section.day", has=page.locator(f"h2#day-{day.isoformat()}"))


def test_sign_up_then_one_tap_check_in_and_self_care_show_in_history(
    page: Page, watch: BrowserWatch, live_server: LiveServer
):
    email = f"sam-{uuid.uuid4().hex[:8]}@example.com"
    page.goto("/auth/register")
    page.get_by_label("What should we call you?").fill("Sam")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill("green tea at dawn")
    page.get_by_label(re.compile(r"^I agree")).check()
    page.get_by_role("button", name="Create my account").tap()

    expect(page.get_by_role("heading", level=1)).to_have_text("Hi, Sam")
    expect(page.locator("#flashes")).to_contain_text("Welcome, Sam.")
    assert urlsplit(page.url).path == "/"
    # app.js filled the hidden time zone field from the phone's clock.
    assert live_server.user(email).timezone == TIMEZONE

    # One tap saves, and only the panel changes: the page (and this marker) stays.
    page.evaluate("window.__sameDocument = 'still here'")
    loads = len(watch.visited)
    with page.expect_response(is_checkin_post) as saved:
        page.get_by_role("button", name="Mood: good", exact=True).tap()
    assert saved.value.status == 201
    panel = page.locator("#checkin-panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text("Saved: you're feeling good")
    expect(page.locator("#today-checkins")).to_contain_text("Good")  # swapped out of band
    assert page.evaluate("window.__sameDocument") == "still here"
    assert len(watch.visited) == loads, "the tap loaded a new page"

    exercise = page.get_by_role("button", name="Exercise", exact=True)
    expect(exercise).to_have_attribute("aria-pressed", "false")
    exercise.tap()
    expect(exercise).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("window.__sameDocument") == "still here"

    page.get_by_role("link", name="All check-ins").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your check-ins")
    today = day_section(page, today_in())
    expect(today.locator(".checkin-item")).to_have_count(1)
    expect(today.locator(".checkin-item strong")).to_have_text("Good")
    expect(today.locator(".self-care-line")).to_have_text("Self-care: Exercise")
    watch.assert_clean()


def test_details_added_after_the_one_tap_check_in_are_saved(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    page.get_by_role("button", name="Mood: okay", exact=True).tap()
    panel = page.locator("#checkin-panel")
    expect(panel.get_by_role("heading", level=2)).to_have_text("Saved: you're feeling okay")

    panel.get_by_role("radio", name="lively").check()
    panel.get_by_role("checkbox", name="hopeful").check()
    panel.get_by_role("checkbox", name="tired").check()
    panel.get_by_label("Note").fill("Two applications out. Lunch with Ana.")
    with page.expect_response(lambda r: r.request.method == "POST"
                              and urlsplit(r.url).path.endswith("/details")) as saved:
        panel.get_by_role("button", name="Save").tap()
    assert saved.value.status == 200

    # The panel is back to the mood picker; today's list shows everything.
    expect(panel.get_by_role("heading", name="How are you feeling?")).to_be_visible()
    expect(panel).to_contain_text("Last check-in")
    item = page.locator("#today-checkins .checkin-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("Okay")
    expect(item).to_contain_text("energy lively")
    expect(item.get_by_role("list", name="Feelings").get_by_role("listitem")).to_have_text(
        ["hopeful", "tired"]
    )
    expect(item.locator(".note")).to_have_text("Two applications out. Lunch with Ana.")

    [checkin] = live_server.checkins(account)
    assert (checkin.mood, checkin.energy, checkin.note) == (
        3, 4, "Two applications out. Lunch with Ana."
    )

    page.goto("/checkins")
    entry = day_section(page, today_in()).locator(".checkin-item")
    expect(entry).to_contain_text("energy lively")
    expect(entry).to_contain_text("hopeful")
    expect(entry).to_contain_text("Two applications out. Lunch with Ana.")
    watch.assert_clean()


def test_each_tap_is_its_own_check_in_with_an_id_made_in_the_browser(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page

    def tap_good() -> tuple[str, str, str]:
        rendered = page.locator("input[name=client_uuid]").input_value()
        with page.expect_response(is_checkin_post) as answer:
            page.get_by_role("button", name="Mood: good", exact=True).tap()
        response = answer.value
        request = response.request
        assert response.status == 201
        key = request.headers["idempotency-key"]
        assert uuid.UUID(key).version == 4
        # A fresh id from crypto.randomUUID() at the tap, not the one the server rendered,
        # and the same id in the form body the server stores.
        assert key != rendered
        assert parse_qs(request.post_data)["client_uuid"] == [key]
        assert request.headers["hx-request"] == "true"
        return key, response.headers["x-checkin-id"], request.post_data

    first_key, first_id, first_body = tap_good()
    expect(page.locator("#checkin-panel h2")).to_have_text("Saved: you're feeling good")
    page.get_by_role("link", name="Done").tap()  # back to the mood picker (a page load)
    expect(page.get_by_role("button", name="Mood: good", exact=True)).to_be_visible()
    second_key, second_id, _ = tap_good()

    assert second_key != first_key
    assert second_id != first_id
    saved = live_server.checkins(account)
    assert {c.client_uuid for c in saved} == {first_key, second_key}
    assert {str(c.id) for c in saved} == {first_id, second_id}
    expect(page.locator("#today-checkins .checkin-item")).to_have_count(2)

    # The same send again (a retry after a lost answer) is the same check-in, not a third.
    csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
    replay = page.request.post("/checkins", data=first_body, headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "HX-Request": "true",
        "X-CSRFToken": csrf,
        "Idempotency-Key": first_key,
    })
    assert replay.status == 200
    assert replay.headers["x-checkin-id"] == first_id
    assert len(live_server.checkins(account)) == 2
    watch.assert_clean()


@pytest.mark.parametrize(
    "how", ["signed out on the server", "idle for 31 minutes", "browser dropped the session cookie"]
)
def test_a_tap_after_the_session_ended_goes_to_the_login_page(
    how: str, signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer,
    account: Account
):
    page = signed_in_page
    expect(page.get_by_role("button", name="Mood: awful", exact=True)).to_be_visible()
    watch.expect_console_error(r"status of 401")  # the refused htmx request
    watch.expect_console_error(r"htmx:responseError|Response Status Error Code 401")

    with ExitStack() as clock:
        if how == "signed out on the server":
            live_server.end_sessions(account)
        elif how == "browser dropped the session cookie":
            # As after 12 idle hours (the cookie's lifetime) or clearing site data.
            page.context.clear_cookies()
        else:
            # The rest of the test happens 31 minutes later (turning the clock back would
            # make the server distrust the cookies it has just signed).
            clock.enter_context(
                time_machine.travel(datetime.now(UTC) + timedelta(minutes=31), tick=True)
            )

        with page.expect_response(is_checkin_post) as answer:
            page.get_by_role("button", name="Mood: awful", exact=True).tap()
        response = answer.value
        assert response.status == 401
        page.wait_for_url(re.compile(r"/auth/login\?"))
        redirect = urlsplit(response.headers["hx-redirect"])
        assert (redirect.path, parse_qs(redirect.query)) == ("/auth/login", {"next": ["/"]})
        assert urlsplit(page.url).path == "/auth/login"
        assert parse_qs(urlsplit(page.url).query) == {"next": ["/"]}
        # A whole login page, not a login form inside Today's panel.
        expect(page.get_by_role("heading", level=1)).to_have_text("Welcome back")
        expect(page.locator("#checkin-panel")).to_have_count(0)
        expect(page.get_by_role("button", name="Sign in")).to_have_count(1)
        assert live_server.checkins(account) == []

        # Signing in again goes back to where the tap was.
        page.get_by_label("Email").fill(account.email)
        page.get_by_label("Password", exact=True).fill(account.password)
        page.get_by_role("button", name="Sign in").tap()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Hi, {account.name}")
        assert urlsplit(page.url).path == "/"
    watch.assert_clean()


# Screenshot day: a fixed moment in the future, so the picture (dates, times) is the same on
# every run and the session cookies set under it are not already expired in the browser.
SCREENSHOT_MOMENT = datetime(2030, 11, 20, 9, 41, tzinfo=ZoneInfo(TIMEZONE))


def test_readme_screenshot_of_today_on_a_phone(
    watched_context, watch: BrowserWatch, live_server: LiveServer, playwright
):
    scale = 2  # 720x1480 pixels: sharp in the README, small in the repository
    with time_machine.travel(SCREENSHOT_MOMENT, tick=True):
        maya = live_server.create_user("Maya")
        today = SCREENSHOT_MOMENT.date()
        live_server.add_checkin(maya, 2, day=today - timedelta(days=2),
                                emotions=("discouraged",), note="Another rejection.")
        live_server.add_checkin(maya, 3, day=today - timedelta(days=1), energy=3)
        live_server.add_checkin(maya, 4, energy=4, emotions=("hopeful", "motivated"),
                                note="Recruiter call went well!")
        live_server.mark_habit_done(maya, "Exercise", today)
        live_server.mark_habit_done(maya, "A real break", today)

        context = watched_context(device_scale_factor=scale)
        page = context.new_page()
        sign_in(page, maya)
        expect(page.locator(".date-line")).to_have_text("Wednesday 20 November")
        expect(page.locator("#today-checkins .checkin-item")).to_have_count(1)
        page.evaluate("document.fonts.ready")
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        # Written beside it and moved into place: CI's two runs take this picture at once.
        shot = SCREENSHOT.with_name(f".today-{os.getpid()}.png")
        page.screenshot(path=str(shot), full_page=False, animations="disabled")
        data = shot.read_bytes()
        os.replace(shot, SCREENSHOT)

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    viewport = playwright.devices[PHONE]["viewport"]
    assert (width, height) == (viewport["width"] * scale, viewport["height"] * scale)
    watch.assert_clean()


def test_the_csp_watch_sees_a_violation(page: Page, watch: BrowserWatch, account: Account):
    """The watch every test relies on is not blind: an inline script is reported."""
    sign_in(page, account)
    page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.__inlineRan = true";
        document.body.append(s);
    }""")
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.__inlineRan === undefined")
    for _ in range(20):  # the binding's report reaches Python a moment later
        if watch.csp:
            break
        page.wait_for_timeout(50)
    assert [v["directive"] for v in watch.csp] == ["script-src-elem"]
    watch.expect_console_error(r"violates the following Content Security Policy")
    watch.csp.clear()
    page.evaluate("window.__csp = []")
    watch.assert_clean()


def test_a_tap_again_after_a_lost_answer_is_the_same_check_in(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    """The first send reaches the server but its answer never comes back (the network
    dropped); the user taps again. Same id, so still one check-in."""
    page = signed_in_page
    sent_ids = []

    def lose_the_answer(route):
        sent_ids.append(parse_qs(route.request.post_data)["client_uuid"][0])
        route.fetch()  # the server saves it...
        route.abort("connectionreset")  # ...but the phone never hears back

    page.route("**/checkins", lose_the_answer)
    watch.expect_console_error(r"ERR_CONNECTION_RESET|Failed to load resource|htmx:")
    page.get_by_role("button", name="Mood: okay", exact=True).tap()
    expect(page.locator("#flashes")).to_contain_text("couldn't reach Onward")
    assert len(sent_ids) == 1
    assert len(live_server.checkins(account)) == 1
    page.unroute("**/checkins")

    with page.expect_response(is_checkin_post) as answer:
        page.get_by_role("button", name="Mood: okay", exact=True).tap()
    assert answer.value.status == 200  # "already saved", not a new one
    assert parse_qs(answer.value.request.post_data)["client_uuid"] == sent_ids
    expect(page.locator("#checkin-panel h2")).to_have_text("Saved: you're feeling okay")
    assert len(live_server.checkins(account)) == 1
    watch.assert_clean()
