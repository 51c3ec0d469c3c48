"""Growth in a real browser on a phone: add a skill, move its progress and log a learning
session without leaving the page; add an interview question and practise it. Tap targets
and no sideways scrolling on the Growth pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from tests import factories
from tests.e2e.conftest import Account, BrowserWatch, LiveServer, today_in
from tests.e2e.test_accessibility import NARROW, check_tap_targets
from webapp.models import Activity, PracticeQuestion, Skill

pytestmark = pytest.mark.e2e


def open_growth(page: Page) -> None:
    """From Today, the way a person gets there: More, then Growth."""
    page.goto("/")
    page.get_by_role("link", name="More").tap()
    page.get_by_role("link", name="Growth: skills and interview practice").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Growth")


def test_add_a_skill_then_move_its_progress_and_log_a_session_in_place(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    open_growth(page)
    page.get_by_role("link", name="Add a skill or course").tap()
    page.get_by_label("Skill or course").fill("SQL for analysts")
    page.get_by_label("Where you're learning it (optional)").fill("Coursera")
    page.get_by_role("radio", name="Working on it").tap()
    page.get_by_role("button", name="Save").tap()
    expect(page.locator("#flashes")).to_contain_text("“SQL for analysts” added.")
    card = page.locator(".skill-card", has_text="SQL for analysts")
    expect(card).to_contain_text("Working on it · Coursera")

    # Progress and a learning session swap the card only: the page (and this marker) stays.
    page.evaluate("window.__sameDocument = 'still here'")
    card.get_by_label("Progress, in percent, on SQL for analysts").fill("40")
    card.get_by_role("button", name="Save progress on SQL for analysts").tap()
    expect(card.locator(".progress-line")).to_contain_text("40%")
    expect(page.locator("#flashes")).to_contain_text("“SQL for analysts” is at 40%.")
    card.get_by_role("button", name="Log a learning session on SQL for analysts").tap()
    expect(card).to_contain_text("1 learning session, the last today.")
    expect(page.locator("#flashes")).to_contain_text("counts toward this week's learning goal")
    assert page.evaluate("window.__sameDocument") == "still here"

    # A progress that can't be saved says why, in the card (a 422 the browser logs).
    watch.expect_console_error(r"status of 422|Response Status Error Code 422")
    card.get_by_label("Progress, in percent, on SQL for analysts").fill("140")
    card.get_by_role("button", name="Save progress on SQL for analysts").tap()
    expect(card.locator(".error")).to_have_text("Progress is a whole number from 0 to 100.")

    with live_server.db() as session:
        skill = session.scalar(select(Skill).where(Skill.user_id == account.id))
        [activity] = session.scalars(select(Activity).where(Activity.user_id == account.id))
        assert (skill.progress, skill.status) == (40, "active")
        assert (activity.kind, activity.skill_id, activity.done_on) == (
            "learning", skill.id, today_in()
        )
    watch.assert_clean()


def test_add_a_question_and_practise_it(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    open_growth(page)
    page.get_by_role("link", name="Add a question").tap()
    page.get_by_role("textbox", name="Question").fill("Tell me about a project that didn't go to plan.")
    page.get_by_role("button", name="Add question").tap()
    expect(page.locator("#flashes")).to_contain_text("Question added.")
    expect(page.locator(".question-list")).to_contain_text("Not practised yet.")

    page.get_by_role("link", name="Practise one now").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Practise one now")
    expect(page.get_by_role("heading", level=2)).to_have_text(
        "Tell me about a project that didn't go to plan.")
    expect(page.locator(".lead")).to_contain_text("Here's one you haven't tried yet.")
    expect(page.get_by_label("Day you practised")).to_have_value(today_in().isoformat())
    page.get_by_role("radio", name="2 · Unsure").tap()
    page.get_by_role("button", name="Save how it went").tap()
    expect(page.locator("#flashes")).to_contain_text("Practice saved.")
    # The only question, practised today, is offered again with a word about resting.
    expect(page.locator(".lead")).to_contain_text("or you could rest")
    expect(page.locator(".question-text").first).to_be_visible()

    with live_server.db() as session:
        question = session.scalar(
            select(PracticeQuestion).where(PracticeQuestion.user_id == account.id))
        assert (question.times_practised, question.last_rating, question.last_practised_on) == (
            1, 2, today_in()
        )
    watch.assert_clean()


def test_growth_pages_have_44px_targets_and_fit_360px(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    assert page.viewport_size["width"] == NARROW
    with live_server.db():
        user = factories.user_by_id(account.id)
        skill = factories.make_skill(user, "A course with a rather long name to wrap on a phone",
                                     provider="A provider with a long name too", status="active",
                                     progress=35, notes="Week 3 of 6.")
        factories.make_feedback_application(user, skill, company="Northwind Traders",
                                             role="Senior data analyst")
        question = factories.make_question(user, "What would your last manager say about you?")
        factories.practise(user, question, 3, today_in() - timedelta(days=4))
        question_id = question.id
    problems = []
    for label, url in (("growth", "/growth"), ("questions", "/growth/questions"),
                       ("practise", f"/growth/questions/{question_id}/practise"),
                       ("add a skill", "/growth/skills/new")):
        page.goto(url)
        problems += check_tap_targets(page, label)
    assert not problems, "\n".join(problems)
    watch.assert_clean()
