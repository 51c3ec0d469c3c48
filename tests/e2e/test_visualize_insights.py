"""Visualize and Insights in a real browser on a phone: a one-minute visualization run on a
faked clock (prompts one at a time, pause, the end), then one tap for how it felt; the same
by keyboard alone, without JavaScript, and with reduced motion; my why; Insights' charts read
through their text alternatives and tables, the range switch; the care card on Today; axe,
light and dark, and 44 px targets at 360 px on every new page."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Response, expect
from sqlalchemy import select

from tests import factories
from tests.e2e.conftest import Account, BrowserWatch, LiveServer, sign_in, today_in
from tests.e2e.test_accessibility import axe_context, axe_violations, check_tap_targets
from webapp.models import VisualizationSession
from webapp.visualize.services import PROMPTS

pytestmark = pytest.mark.e2e

CHART_NAMES = (
    "Your mood over the last 30 days",
    "Your year in pixels",
    "Your mood with and without each habit",
    "Days until your mood was back to usual",
    "Applications that reached an interview",
)


def is_session_post(response: Response) -> bool:
    return response.request.method == "POST" and urlsplit(response.url).path == "/visualize/sessions"


def saved_sessions(live_server: LiveServer, account: Account) -> list[tuple[int, int, str | None]]:
    with live_server.db() as session:
        return [(s.minutes, s.felt, s.note) for s in session.scalars(
            select(VisualizationSession).where(VisualizationSession.user_id == account.id)
            .order_by(VisualizationSession.id))]


def seed(live_server: LiveServer, account: Account, days: int = 90) -> None:
    with live_server.db():
        factories.seed_a_search(factories.user_by_id(account.id), days=days)


# --- Visualize -------------------------------------------------------------------------------


def test_a_one_minute_visualization_on_a_faked_clock_then_how_it_felt(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    page.clock.install()
    page.get_by_role("link", name="More").tap()
    page.get_by_role("link", name="Visualize: my why and a calm moment").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Visualize")
    # From here on, time moves only when the test says so.
    page.clock.pause_at(page.evaluate("Date.now()") + 1000)

    # With JavaScript: one prompt at a time, not the list; nothing to rate yet.
    expect(page.locator("[data-prompt-list]")).to_be_hidden()
    afterwards = page.locator("#visualize-after")
    expect(afterwards).to_be_hidden()
    timer = page.get_by_role("timer")
    expect(timer).to_have_text("3:00")
    page.get_by_role("radio", name="1 minute").tap()
    expect(timer).to_have_text("1:00")

    page.get_by_role("button", name="Start").tap()
    expect(page.get_by_role("button", name="Pause")).to_be_focused()
    expect(page.get_by_role("button", name="Start")).to_be_disabled()
    prompt = page.locator("[data-prompt-now]")
    status = page.locator("[data-status]")  # the aria-live region
    expect(prompt).to_have_text(PROMPTS[0])
    page.clock.run_for(100)
    expect(status).to_have_text(f"Prompt 1 of {len(PROMPTS)}: {PROMPTS[0]}")
    expect(page.locator("[data-pacer-cue]")).to_have_text("Breathe in slowly…")
    expect(page.locator("[data-pacer-circle]")).to_have_class(re.compile("breathe-in"))

    # 25 s in: the third prompt (six over a minute: ten seconds each), breathing out.
    page.clock.fast_forward(25_000)
    expect(timer).to_have_text("0:35")
    expect(prompt).to_have_text(PROMPTS[2])
    page.clock.run_for(100)
    expect(status).to_have_text(f"Prompt 3 of {len(PROMPTS)}: {PROMPTS[2]}")
    expect(page.locator("[data-pacer-cue]")).to_have_text("…and breathe out, a little longer.")

    # Paused, time stands still however long the break.
    page.get_by_role("button", name="Pause").tap()
    expect(page.get_by_role("button", name="Resume")).to_be_visible()
    page.clock.fast_forward(120_000)
    expect(timer).to_have_text("0:35")
    page.get_by_role("button", name="Resume").tap()
    page.clock.fast_forward(36_000)

    # The end: said aloud, and the question afterwards opens with focus on it.
    expect(prompt).to_contain_text("Time's up.")
    expect(timer).to_have_text("0:00")
    page.clock.run_for(100)
    expect(status).to_contain_text("Time's up.")
    expect(afterwards).to_be_visible()
    expect(page.locator("#after-title")).to_be_focused()
    expect(page.get_by_role("button", name="Start again")).to_be_enabled()

    page.clock.resume()
    page.get_by_label("A note (optional)").fill("A bright studio and a kind team.")
    with page.expect_response(is_session_post) as saved:
        page.get_by_role("button", name="good", exact=True).tap()
    assert saved.value.status == 201
    expect(page.get_by_role("heading", name="Saved: it felt good")).to_be_focused()
    expect(page.locator("#moments")).to_contain_text(
        "You have taken 1 moment to picture where you're heading.")
    expect(page.locator("#moments")).to_contain_text("A bright studio and a kind team.")
    assert saved_sessions(live_server, account) == [(1, 4, "A bright studio and a kind team.")]

    # Another round starts clean: the "Saved" line goes, the question waits for the end.
    page.get_by_role("button", name="Start again").tap()
    expect(afterwards).to_be_hidden()
    page.get_by_role("button", name="Stop").tap()
    expect(afterwards).to_be_visible()
    expect(page.get_by_text("Saved: it felt good")).to_have_count(0)
    watch.assert_clean()


def test_the_visualization_by_keyboard_alone(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    page.goto("/visualize")
    page.get_by_role("radio", name="5 minutes").focus()
    page.keyboard.press("Space")
    expect(page.get_by_role("timer")).to_have_text("5:00")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Start")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Pause")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Stop")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#after-title")).to_be_focused()
    expect(page.locator("[data-prompt-now]")).to_contain_text("However long it lasted, it counts.")
    page.keyboard.press("Tab")
    expect(page.get_by_label("A note (optional)")).to_be_focused()
    page.keyboard.type("Short, and still good.")
    for _ in range(3):
        page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="okay", exact=True)).to_be_focused()
    with page.expect_response(is_session_post):
        page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Saved: it felt okay")).to_be_focused()
    assert saved_sessions(live_server, account) == [(5, 3, "Short, and still good.")]
    watch.assert_clean()


def test_without_javascript_the_prompts_are_a_list_and_the_form_still_saves(
    watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = watched_context(java_script_enabled=False).new_page()
    sign_in(page, account)
    page.goto("/visualize")
    expect(page.locator("[data-prompt-list] li")).to_have_count(len(PROMPTS))
    expect(page.locator("[data-prompt-list] li").first).to_have_text(PROMPTS[0])
    expect(page.get_by_role("button", name="Start")).to_be_hidden()
    expect(page.get_by_role("timer")).to_be_hidden()
    page.get_by_role("radio", name="5 minutes").tap()
    page.get_by_label("A note (optional)").fill("Read it slowly, twice.")
    page.get_by_role("button", name="uplifting").tap()
    expect(page.locator("#flashes")).to_contain_text("Saved. Thank you for taking a moment")
    assert urlsplit(page.url).fragment == "moments"
    expect(page.locator("#moments")).to_contain_text("You have taken 1 moment")
    assert saved_sessions(live_server, account) == [(5, 5, "Read it slowly, twice.")]
    watch.assert_clean()


def test_reduced_motion_keeps_the_words_and_drops_the_circle(
    watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    for motion, circle_shown in (("reduce", False), ("no-preference", True)):
        page = watched_context(reduced_motion=motion).new_page()
        sign_in(page, account)
        page.goto("/visualize")
        page.get_by_role("button", name="Start").tap()
        expect(page.locator("[data-pacer-cue]")).to_have_text("Breathe in slowly…")
        circle = page.locator("[data-pacer-circle]")
        if circle_shown:
            expect(circle).to_be_visible()
        else:
            expect(circle).to_be_hidden()
        page.get_by_role("button", name="Stop").tap()
    watch.assert_clean()


def test_writing_my_why(signed_in_page: Page, watch: BrowserWatch):
    page = signed_in_page
    page.goto("/visualize")
    page.get_by_role("link", name="Write my why").tap()
    page.get_by_label("Stability: a steady income").check()
    page.get_by_label("In your own words").fill("A home with room for my kids to grow.")
    page.get_by_role("button", name="Save my why").tap()
    expect(page.locator("#flashes")).to_contain_text("Your why is saved.")
    why = page.locator("#my-why")
    expect(why).to_contain_text("Stability")
    expect(why).to_contain_text("A home with room for my kids to grow.")
    watch.assert_clean()


# --- Insights -----------------------------------------------------------------------------------


def test_insights_charts_are_read_through_their_text_alternatives(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    seed(live_server, account)
    page = signed_in_page
    page.get_by_role("link", name="Insights").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Insights")
    expect(page.get_by_role("link", name="Insights")).to_have_attribute("aria-current", "page")
    for name in CHART_NAMES:
        chart = page.get_by_role("img", name=name, exact=True)
        expect(chart).to_be_visible()
        expect(chart).to_have_accessible_description(re.compile(r"\w{3,}.*\."))
    expect(page.get_by_role("img", name=CHART_NAMES[0])).to_have_accessible_description(
        re.compile(r"^\d+ days with a check-in in the last 30 days, with an average mood of"))
    expect(page.get_by_role("img", name="Your year in pixels")).to_have_accessible_description(
        re.compile(r"You checked in on \d+ days; the mood you felt most often was \w+\."))

    # Each chart's numbers are one tap away, as a table.
    pixels = page.locator("#pixels")
    table = pixels.get_by_role("table", name="Your last twelve months, month by month")
    expect(table).to_be_hidden()
    pixels.get_by_text("Show as a table").tap()
    expect(table).to_be_visible()
    month = f"{today_in():%B %Y}"
    expect(table.get_by_role("row", name=re.compile(month))).to_be_visible()

    # The range switch swaps the mood chart alone and changes the address.
    page.evaluate("window.__samePage = 'yes'")
    page.get_by_role("link", name="90 days").tap()
    expect(page.get_by_role("img", name="Your mood over the last 90 days")).to_be_visible()
    expect(page.get_by_role("link", name="90 days")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Your mood over time")).to_be_focused()
    assert urlsplit(page.url).query == "range=90"
    assert page.evaluate("window.__samePage") == "yes"
    page.go_back()
    expect(page.get_by_role("img", name="Your mood over the last 30 days")).to_be_visible()
    watch.assert_clean()


def test_today_offers_care_after_a_run_of_hard_days(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    today = today_in()
    for back, mood in enumerate((1, 2, 2, 1, 2)):
        live_server.add_checkin(account, mood, day=today - timedelta(days=back))
    page = signed_in_page
    page.reload()
    card = page.get_by_role("region", name="Go gently")
    expect(card).to_be_visible()
    expect(card).to_contain_text("Could you reach out to someone you trust today?")
    expect(card.get_by_role("link", name=re.compile("Find a Helpline"))).to_have_attribute(
        "href", "https://findahelpline.com/")
    watch.assert_clean()


# --- Accessibility ------------------------------------------------------------------------------


def test_new_pages_pass_axe_light_and_dark_with_44px_targets(
    page: Page, watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    seed(live_server, account, days=120)
    today = today_in()
    for back in range(5):
        live_server.add_checkin(account, 1, day=today - timedelta(days=back))
    with live_server.db():
        session_id = factories.make_visualization(factories.user_by_id(account.id)).id
    # A note too long, on purpose: the browser and htmx both log the 422.
    watch.expect_console_error(r"status of 422|Error Code 422")
    pages = {
        "today with the care card": "/",
        "visualize": "/visualize",
        "my why": "/visualize/why",
        "delete a moment": f"/visualize/sessions/{session_id}/delete",
        "insights": "/insights",
        "insights, a year": "/insights?range=365",
    }
    problems: dict[str, list[str]] = {}
    small: list[str] = []
    sign_in(page, account)
    for scheme in ("light", "dark"):
        axe_page = axe_context(watched_context, color_scheme=scheme).new_page()
        sign_in(axe_page, account)
        for label, url in pages.items():
            axe_page.goto(url)
            if label.startswith("insights"):
                for summary in axe_page.get_by_text("Show as a table").all():
                    summary.tap()
            problems[f"{label} ({scheme})"] = axe_violations(axe_page)
            if scheme == "light":
                page.goto(url)
                small += check_tap_targets(page, label)
        axe_page.goto("/visualize")
        axe_page.get_by_role("button", name="Start").tap()
        problems[f"visualize, running ({scheme})"] = axe_violations(axe_page)
        axe_page.get_by_role("button", name="Stop").tap()
        axe_page.get_by_label("A note (optional)").fill("x" * 10)
        axe_page.evaluate("document.querySelector('textarea[name=note]').value = 'x'.repeat(600)")
        axe_page.get_by_role("button", name="okay", exact=True).tap()
        expect(axe_page.locator(".error").first).to_be_visible()
        problems[f"visualize, with errors ({scheme})"] = axe_violations(axe_page)
    page.goto("/visualize")
    page.get_by_role("button", name="Start").tap()
    page.get_by_role("button", name="Stop").tap()
    small += check_tap_targets(page, "visualize, afterwards")
    failing = {label: found for label, found in problems.items() if found}
    assert not failing, "axe violations:\n" + "\n".join(
        f"- {label}:\n    " + "\n    ".join(found) for label, found in failing.items())
    assert not small, "\n".join(small)
    watch.assert_clean()
