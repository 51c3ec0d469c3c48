"""The week in a real browser on a phone: set this week's goals, log a networking
conversation with one tap and watch the bar move on Week and on Today, undo, then close the
week with a review that sets next week's targets. Also without JavaScript, axe in dark mode,
and 44 px tap targets at 360 px."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Response, expect

from tests.e2e.conftest import Account, BrowserWatch, LiveServer, sign_in, today_in
from tests.e2e.test_accessibility import axe_context, axe_violations, check_tap_targets

pytestmark = pytest.mark.e2e

NETWORKING = "networking events or conversations"


def this_monday():
    today = today_in()
    return today - timedelta(days=today.weekday())


def is_log_post(response: Response) -> bool:
    return response.request.method == "POST" and urlsplit(response.url).path == "/week/activities"


def goal_bar(page: Page, kind: str, prefix: str = "goal"):
    return page.locator(f'progress[aria-labelledby="{prefix}-{kind}"]')


def test_set_goals_log_with_one_tap_see_the_bars_move_and_review_the_week(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    # From More, as a person would find it.
    page.get_by_role("link", name="More").tap()
    page.get_by_role("link", name="Week: goals and review").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("This week")
    expect(page.get_by_role("link", name="More")).to_have_attribute("aria-current", "page")

    # Set this week's goals.
    page.get_by_role("link", name="Change this week's goals").tap()
    page.get_by_label("Applications").fill("3")
    page.get_by_label("Networking events or conversations").fill("2")
    page.get_by_label("Learning sessions").fill("1")
    page.get_by_label("Rest days planned").fill("2")
    page.get_by_role("button", name="Save goals").tap()
    expect(page.locator("#flashes")).to_contain_text("This week's goals are set.")
    expect(page.get_by_role("progressbar", name=f"0 of 2 {NETWORKING}")).to_be_visible()
    expect(page.get_by_text("2 rest days planned. Resting is part of the plan.")).to_be_visible()
    assert live_server.weekly_targets(account, this_monday()) == (3, 2, 1, 2)

    # One tap logs a networking conversation; only the live part of the page changes.
    page.evaluate("window.__sameDocument = 'still here'")
    loads = len(watch.visited)
    page.get_by_label("Note (optional)").fill("Coffee with Sam from the meetup")
    with page.expect_response(is_log_post) as logged:
        page.get_by_role("button", name="Log a networking chat or event").tap()
    assert logged.value.status == 201
    expect(page.get_by_role("progressbar", name=f"1 of 2 {NETWORKING}")).to_be_visible()
    expect(goal_bar(page, "networking")).to_have_attribute("value", "1")
    expect(page.locator(".activity-list")).to_contain_text("Coffee with Sam from the meetup")
    expect(page.locator("#flashes")).to_contain_text("Logged: a networking event or conversation.")
    expect(page.get_by_label("Note (optional)")).to_have_value("")
    assert page.evaluate("window.__sameDocument") == "still here"
    assert len(watch.visited) == loads, "the tap loaded a new page"

    # Today shows the same bar.
    page.get_by_role("link", name="Today").tap()
    this_week = page.locator("#this-week")
    expect(this_week.get_by_role("progressbar", name=f"1 of 2 {NETWORKING}")).to_be_visible()
    expect(goal_bar(page, "networking", "today-goal")).to_have_attribute("value", "1")
    expect(this_week.get_by_role("progressbar", name="0 of 1 learning session")).to_be_visible()

    # Close the week with a review, setting next week's targets at the end.
    this_week.get_by_role("link", name="Log networking or learning").tap()
    page.get_by_role("link", name="Review this week").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Look back on your week")
    page.get_by_label("What went well this week?").fill("A real conversation with Sam.")
    page.get_by_label("Did your résumé and cover letters fit the roles you went for?").fill(
        "Two of three were tailored.")
    page.get_by_label("Did you practise for interviews?").fill("Not yet.")
    page.get_by_label("What would you like to do differently next week?").fill(
        "Practise one question a day.")
    next_goals = page.get_by_role("region", name="Next week's goals")
    expect(next_goals.get_by_label("Applications")).to_have_value("3")  # from this week's
    next_goals.get_by_label("Applications").fill("4")
    next_goals.get_by_label("Rest days planned").fill("3")
    page.get_by_role("button", name="Save review").tap()

    expect(page.locator("#flashes")).to_contain_text("Review saved.")
    expect(page.get_by_text("A real conversation with Sam.")).to_be_visible()
    expect(page.get_by_text("Practise one question a day.")).to_be_visible()
    next_monday = this_monday() + timedelta(days=7)
    assert live_server.weekly_targets(account, next_monday) == (4, 2, 1, 3)
    page.get_by_role("link", name="All reviews").tap()
    expect(page.locator(".review-list li")).to_have_count(1)
    watch.assert_clean()


def test_undo_asks_first_and_moves_the_bar_back(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    live_server.log_activity(account, "learning", note="An hour of SQL")
    page.goto("/week")
    expect(goal_bar(page, "learning")).to_have_attribute("value", "1")
    questions: list[str] = []

    def answer(dialog):
        questions.append(dialog.message)
        dialog.dismiss() if len(questions) == 1 else dialog.accept()

    page.on("dialog", answer)
    undo = page.get_by_role("link", name="Undo learning")
    undo.tap()  # "no": nothing changes
    expect(page.locator(".activity-list")).to_contain_text("An hour of SQL")
    undo.tap()  # "yes"
    expect(page.get_by_text("Nothing logged yet this week.")).to_be_visible()
    expect(goal_bar(page, "learning")).to_have_attribute("value", "0")
    assert questions == ["Take this off the log?"] * 2
    watch.assert_clean()


def test_logging_and_undo_work_without_javascript(
    watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = watched_context(java_script_enabled=False).new_page()
    sign_in(page, account)
    page.goto("/week")
    page.get_by_role("button", name="Log a learning session").tap()
    expect(page.locator("#flashes")).to_contain_text("Logged: a learning session.")
    expect(goal_bar(page, "learning")).to_have_attribute("value", "1")
    page.get_by_role("link", name="Undo learning").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Take this off the log?")
    page.get_by_role("button", name="Take it off").tap()
    expect(page.get_by_text("Nothing logged yet this week.")).to_be_visible()
    watch.assert_clean()


def test_a_goal_out_of_range_is_explained_next_to_its_field(
    signed_in_page: Page, watch: BrowserWatch
):
    page = signed_in_page
    watch.expect_console_error(r"status of 422")
    page.goto("/week/goals")
    page.get_by_label("Rest days planned").fill("9")
    page.get_by_role("button", name="Save goals").tap()
    rest = page.get_by_label("Rest days planned")
    expect(rest).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#rest_days-error")).to_have_text("Choose a number from 0 to 7.")
    watch.assert_clean()


def test_week_pages_pass_axe_in_dark_mode_and_keep_44px_targets(
    watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    live_server.log_activity(account, "networking", note="Met a mentor")
    review_week = live_server.add_review(account)
    page = axe_context(watched_context, color_scheme="dark").new_page()
    sign_in(page, account)
    problems: dict[str, list[str]] = {}
    small: list[str] = []
    for label, url in (("week", "/week"), ("goals", "/week/goals"), ("review", "/week/review"),
                       ("reviews", "/week/reviews"), ("a review", f"/week/reviews/{review_week}"),
                       ("today", "/")):
        page.goto(url)
        problems[label] = axe_violations(page)
        small += check_tap_targets(page, label)
    failing = {label: found for label, found in problems.items() if found}
    assert not failing, f"axe violations in dark mode: {failing}"
    assert not small, "\n".join(small)
    watch.assert_clean()
