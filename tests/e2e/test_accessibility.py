"""Accessibility in the browser: axe on every page a person can reach (light and dark),
tap targets and no sideways scrolling at 360 px, and the check-in by keyboard alone."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.base import AXE_SCRIPT, AxeResults
from playwright.sync_api import Page, expect

from tests import factories
from tests.e2e.conftest import (
    Account,
    BrowserWatch,
    LiveServer,
    sign_in,
    today_in,
)
from webapp.applications import flow
from webapp.growth import services as growth

pytestmark = pytest.mark.e2e

NARROW = 360  # CSS px: the narrowest phone we design for


def axe_context(watched_context, **options):
    """A context for axe: it bypasses the app's CSP (axe is a script the CSP would block)
    and loads axe-core (the copy axe-playwright-python ships) into every page up front,
    instead of sending its 500 KB again for every check."""
    context = watched_context(bypass_csp=True, **options)
    context.add_init_script(AXE_SCRIPT)
    return context


def axe_violations(page: Page) -> list[str]:
    """Every axe violation on the page as it is now (all rules axe runs by default, every
    impact), one readable line each."""
    if not page.evaluate("typeof window.axe === 'object'"):
        page.evaluate(AXE_SCRIPT)
    results = AxeResults(page.evaluate("axe.run(document, {resultTypes: ['violations']})"))
    found = results.response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(n["target"]) for n in v["nodes"][:5])
        for v in found
    ]


def give_history(live_server: LiveServer, account: Account) -> None:
    """Earlier days with details and self-care, so history has something in every part."""
    today = today_in()
    live_server.add_checkin(account, 2, day=today - timedelta(days=1), energy=2,
                            emotions=("anxious", "stuck"), note="Waiting to hear back.")
    live_server.add_checkin(account, 5, day=today - timedelta(days=3))
    live_server.mark_habit_done(account, "Mindfulness", today - timedelta(days=1))


def give_growth_and_people(live_server: LiveServer, account: Account) -> dict[str, int]:
    """A skill named in feedback with a session, a practised question and a contact with a
    nudge due, so the Growth and People pages have something in every part."""
    today = today_in()
    with live_server.db():
        user = factories.user_by_id(account.id)
        skill = factories.make_skill(user, "SQL for analysts", provider="Coursera",
                                     status="active", progress=40, notes="Joins next.")
        factories.make_skill(user, "Public speaking")
        factories.make_feedback_application(user, skill, company="Acme", role="Data analyst")
        growth.log_learning_session(user, skill, today - timedelta(days=2))
        question = factories.make_question(user, "Why do you want to work here?")
        factories.practise(user, question, 2, today - timedelta(days=3))
        contact = factories.make_contact(user, "Priya", relation="mentor", nudge_after_days=7,
                                         last_contacted_on=today - timedelta(days=9))
        return {"skill": skill.id, "question": question.id, "contact": contact.id}


def check_growth_and_people(check, submit_empty, ids: dict[str, int]) -> None:
    """axe on every Growth and People page, forms with errors included."""
    check("growth", "/growth")
    check("add a skill", "/growth/skills/new")
    submit_empty("Save")
    check("add a skill, with errors")
    check("edit a skill", f"/growth/skills/{ids['skill']}/edit")
    check("delete a skill", f"/growth/skills/{ids['skill']}/delete")
    check("interview questions", "/growth/questions")
    submit_empty("Add question")
    check("interview questions, with errors")
    check("edit a question", f"/growth/questions/{ids['question']}/edit")
    check("delete a question", f"/growth/questions/{ids['question']}/delete")
    check("practise one now", "/growth/practise")
    check("practise a question", f"/growth/questions/{ids['question']}/practise")
    submit_empty("Save how it went")
    check("practise a question, with errors")
    check("people", "/people")
    check("add someone", "/people/new")
    submit_empty("Save")
    check("add someone, with errors")
    check("edit someone", f"/people/{ids['contact']}/edit")
    check("remove someone", f"/people/{ids['contact']}/delete")


def give_a_search(live_server: LiveServer, account: Account) -> tuple[int, int]:
    """Applications at several stages, a quiet one, feedback asked, a rejection flow begun
    and one finished: (an application's id, the begun reflection's id, the finished one's)."""
    today = today_in()
    with live_server.db():
        user = factories.user_by_id(account.id)
        quiet = factories.make_application(
            user, "Acme & Sons", "Product designer", applied_on=today - timedelta(days=30),
            contact_name="Jo", contact_email="jo@acme.test", link="https://acme.example/job",
            excitement=4, resume_tailored=True, notes="Ask about the team.")
        quiet.feedback_requested_on = today - timedelta(days=12)
        other = factories.make_application(user, "Globex", "Analyst",
                                           applied_on=today - timedelta(days=3))
        factories.move(user, other, "screening")
        factories.make_small_win(user, "Landed a call with a recruiter")
        entry = factories.make_reflection(user, factories.make_application(user, "Initech"))
        finished = factories.make_reflection(user, factories.make_application(user, "Hooli"))
        flow.finish(user, finished, "apply")  # ends on the mood check-in
        return quiet.id, entry.id, finished.id


SEARCH_STEPS = ("happened", "not-personal", "thought", "reframe", "lesson", "feedback", "forward")


def search_pages(application_id: int, reflection_id: int,
                 finished_id: int) -> list[tuple[str, str]]:
    """Every page of Applications and the rejection flow, as (label, url)."""
    pages = [
        ("applications", "/applications"),
        ("applications, searched", "/applications?q=acme"),
        ("an application", f"/applications/{application_id}"),
        ("log an application", "/applications/new"),
        ("edit an application", f"/applications/{application_id}/edit"),
        ("move an application", f"/applications/{application_id}/stage"),
        ("delete an application", f"/applications/{application_id}/delete"),
        ("mark rejected", f"/applications/{application_id}/rejected"),
        ("I got a rejection", "/applications/rejection"),
        ("ask for feedback", f"/applications/{application_id}/feedback"),
    ]
    pages += [(f"reflection, step {step}", f"/applications/reflections/{reflection_id}?step={step}")
              for step in SEARCH_STEPS]
    pages.append(("reflection, finished: the mood check-in",
                  f"/applications/reflections/{finished_id}?step=forward"))
    return pages


def check_the_search_pages(page: Page, axe_page: Page, live_server: LiveServer,
                           account: Account) -> dict[str, list[str]]:
    """axe on every page of Applications, the rejection flow and feedback, and on forms
    sent back with errors."""
    application_id, reflection_id, finished_id = give_a_search(live_server, account)
    found = {}
    for label, url in search_pages(application_id, reflection_id, finished_id):
        page.goto(url)
        assert axe_page.goto(url).status < 500, label
        found[label] = axe_violations(axe_page)
    axe_page.goto("/applications")
    axe_page.get_by_role("button", name="Add it").click()
    expect(axe_page.locator(".error").first).to_be_visible()
    found["log an application, with errors"] = axe_violations(axe_page)
    axe_page.goto(f"/applications/reflections/{reflection_id}?step=thought")
    axe_page.get_by_label("How much do you believe it, from 0 to 100?").fill("500")
    axe_page.get_by_role("button", name="Save and continue").click()
    expect(axe_page.locator("#flow-step .error").first).to_be_visible()
    found["reflection step, with errors (htmx)"] = axe_violations(axe_page)
    axe_page.goto(f"/applications/reflections/{reflection_id}?step=not-personal")
    axe_page.get_by_label("The timing was wrong for them").check()
    axe_page.get_by_role("button", name="Save").click()
    expect(axe_page.locator(".reminder")).to_be_visible()
    found["reflection step 2, the reminder"] = axe_violations(axe_page)
    return found


def give_journal(live_server: LiveServer, account: Account) -> int:
    """An interview debrief with Markdown and questions, and a small win from this day a
    year ago (so Today shows "On this day"); the debrief's id."""
    today = today_in()
    try:
        year_ago = today.replace(year=today.year - 1)
    except ValueError:  # 29 February: four years ago had one
        year_ago = today.replace(year=today.year - 4)
    with live_server.db():
        user = factories.user_by_id(account.id)
        factories.make_journal_entry(user, kind="small_win", title="A first reply",
                                     body="Someone **wrote back**.", entry_date=year_ago)
        return factories.make_journal_entry(
            user, kind="interview", title="Interview at Acme",
            body="## Questions they asked\n- Why Acme?\n\n## What went well\n*Calm* start.",
        ).id


def tap_mood(page: Page, word: str) -> None:
    page.get_by_role("button", name=f"Mood: {word}", exact=True).tap()
    expect(page.locator("#checkin-panel h2")).to_have_text(f"Saved: you're feeling {word}")


def test_every_page_passes_axe(
    page: Page, watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    """axe needs to inject its script, which the app's CSP forbids, so it runs in a
    context that bypasses CSP; the same pages also load in `page`, a normal context, so
    the CSP watch sees each of them as the app really serves it."""
    axe_page = axe_context(watched_context).new_page()
    watch.expect_console_error(r"status of 404")  # the two "not found" pages below
    watch.expect_console_error(r"status of 422")  # forms sent empty on purpose
    give_history(live_server, account)
    live_server.archive_habit(account, "A hobby")
    reset_token = live_server.password_reset_token(account)
    problems: dict[str, list[str]] = {}

    def check(label: str, url: str | None = None) -> None:
        if url is not None:
            page.goto(url)
            response = axe_page.goto(url)
            assert response is not None and response.status < 500, label
        problems[label] = axe_violations(axe_page)

    def submit_empty(button: str) -> None:
        axe_page.get_by_role("button", name=button).click()
        expect(axe_page.locator(".error").first).to_be_visible()

    # Signed out.
    check("register", "/auth/register")
    submit_empty("Create my account")
    check("register, with errors")
    check("login", "/auth/login")
    submit_empty("Sign in")
    check("login, with errors")
    check("forgot password", "/auth/password/forgot")
    axe_page.get_by_label("Email").fill(account.email)
    axe_page.get_by_role("button", name="Send the link").click()
    expect(axe_page.get_by_role("heading", level=1)).to_have_text("Check your email")
    check("forgot password, sent")
    check("reset password", f"/auth/password/reset?token={reset_token}")
    check("reset link no longer works", "/auth/password/reset?token=not-a-real-token")
    check("404, signed out", "/no-such-page")

    # Signed in, on both contexts (two devices, so the sessions page has two rows).
    sign_in(page, account)
    sign_in(axe_page, account)
    check("today, before a check-in", "/")
    tap_mood(axe_page, "good")
    check("today, details form after the one-tap check-in")
    [checkin_id] = [c.id for c in live_server.checkins(account)
                    if c.local_date == today_in()]
    check("today, after a check-in", "/")
    check("details page (no-JS path)", f"/checkins/{checkin_id}/details")
    check("history", "/checkins")
    check("add a check-in", "/checkins/new")
    axe_page.get_by_role("button", name="Save").click()
    expect(axe_page.locator(".error").first).to_be_visible()
    check("add a check-in, with errors")
    check("edit a check-in", f"/checkins/{checkin_id}/edit")
    check("delete a check-in", f"/checkins/{checkin_id}/delete")
    check("self-care habits", "/selfcare/habits")
    habit_id = live_server.habit_id(account, "Exercise")
    check("rename a habit", f"/selfcare/habits/{habit_id}/rename")
    activity_id = live_server.log_activity(account, "networking", note="Coffee with Sam")
    review_week = live_server.add_review(account)
    check("week", "/week")
    check("week goals", "/week/goals")
    axe_page.get_by_label("Applications").fill("500")
    submit_empty("Save goals")
    check("week goals, with errors")
    check("weekly review", "/week/review")
    axe_page.get_by_role("region", name="Next week's goals").get_by_label(
        "Rest days planned").fill("9")
    submit_empty("Save review")
    check("weekly review, with errors")
    check("weekly reviews", "/week/reviews")
    check("a weekly review", f"/week/reviews/{review_week}")
    check("undo a logged activity", f"/week/activities/{activity_id}/delete")
    check_growth_and_people(check, submit_empty, give_growth_and_people(live_server, account))
    with live_server.db():
        moment_id = factories.make_visualization(factories.user_by_id(account.id)).id
    check("visualize", "/visualize")
    check("my why", "/visualize/why")
    check("delete a moment", f"/visualize/sessions/{moment_id}/delete")
    check("insights", "/insights")
    check("more", "/account")
    check("name and time zone", "/account/profile")
    check("email", "/account/email")
    check("confirm it's you", "/auth/reauth?next=/account/sessions")
    check("password", "/account/password")
    check("signed-in devices", "/account/sessions")
    expect(axe_page.get_by_role("button", name="Sign out all other devices")).to_be_visible()
    watch.expect_console_error(r"Response Status Error Code 422")  # htmx, same forms
    problems.update(check_the_search_pages(page, axe_page, live_server, account))
    entry_id = give_journal(live_server, account)
    check("today, with On this day", "/")
    check("journal", "/journal")
    check("journal, search results", "/journal?q=interview")
    check("journal, one kind", "/journal?kind=small_win")
    check("new journal entry", "/journal/new")
    axe_page.get_by_role("button", name="Save").click()
    expect(axe_page.locator(".error").first).to_be_visible()
    check("new journal entry, with errors")
    check("new interview debrief", "/journal/new?kind=interview")
    check("journal entry", f"/journal/{entry_id}")
    check("edit a journal entry", f"/journal/{entry_id}/edit")
    check("delete a journal entry", f"/journal/{entry_id}/delete")
    check("404, signed in", "/no-such-page")

    failing = {label: found for label, found in problems.items() if found}
    assert not failing, "axe violations:\n" + "\n".join(
        f"- {label}:\n    " + "\n    ".join(found) for label, found in failing.items()
    )
    watch.assert_clean()


def test_today_and_history_pass_axe_in_dark_mode(
    watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    give_history(live_server, account)
    page = axe_context(watched_context, color_scheme="dark").new_page()
    sign_in(page, account)
    assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    # The dark palette really applies (--bg in the dark scheme).
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(17, 23, 20)"
    problems = {"today": axe_violations(page)}
    tap_mood(page, "great")
    problems["today, details form"] = axe_violations(page)
    page.goto("/checkins")
    problems["history"] = axe_violations(page)
    ids = give_growth_and_people(live_server, account)
    pages = [("growth", "/growth"), ("questions", "/growth/questions"),
             ("practise", f"/growth/questions/{ids['question']}/practise"),
             ("people", "/people"), ("add someone", "/people/new"),
             *search_pages(*give_a_search(live_server, account)),
             ("visualize", "/visualize"), ("insights", "/insights")]
    for label, url in pages:
        page.goto(url)
        problems[label] = axe_violations(page)
    failing = {label: found for label, found in problems.items() if found}
    assert not failing, f"axe violations in dark mode: {failing}"
    watch.assert_clean()


# Everything a thumb may need to hit in the page's content and its navigation.
TAP_TARGETS_JS = """() => {
  const selector = [
    "header a", "main a", "main button", "main input:not([type=hidden])", "main select",
    "main textarea", "main summary", "nav a", "nav button",
  ].join(", ");
  const found = [];
  for (const el of document.querySelectorAll(selector)) {
    const style = getComputedStyle(el);
    if (!el.getClientRects().length || style.visibility === "hidden") continue;
    if (el.closest("[hidden], .visually-hidden")) continue;
    // WCAG 2.5.8's "inline" exception: a link that is a few words inside a sentence takes
    // the line height of that text. It is exempt only while the block it sits in holds
    // other text too; a link standing alone on its line must be a full-size target.
    if (el.tagName === "A" && style.display === "inline") {
      const block = el.parentElement.closest("p, li, dd, td, figcaption, blockquote");
      const text = (node) => node.textContent.replace(/\\s+/g, " ").trim();
      if (block && text(block).length > text(el).length) continue;
    }
    const box = el.getBoundingClientRect();
    const label = el.getAttribute("aria-label") || el.labels?.[0]?.textContent
      || el.textContent || el.name || el.id;
    found.push({
      what: `${el.tagName.toLowerCase()} "${label.replace(/\\s+/g, " ").trim()}"`,
      width: Math.round(box.width * 10) / 10,
      height: Math.round(box.height * 10) / 10,
    });
  }
  return found;
}"""


def check_tap_targets(page: Page, state: str) -> list[str]:
    targets = page.evaluate(TAP_TARGETS_JS)
    assert targets, f"{state}: found nothing to tap"
    small = [f"{state}: {t['what']} is {t['width']}x{t['height']}"
             for t in targets if t["width"] < 44 or t["height"] < 44]
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    if scroll_width > NARROW:
        small.append(f"{state}: the page scrolls sideways ({scroll_width}px wide)")
    return small


def test_tap_targets_are_44px_and_nothing_scrolls_sideways_at_360px(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    assert page.viewport_size["width"] == NARROW
    give_history(live_server, account)
    page.reload()
    problems = check_tap_targets(page, "today")
    tap_mood(page, "bad")
    problems += check_tap_targets(page, "today, details form")
    page.get_by_role("button", name="A real break", exact=True).tap()
    page.goto("/checkins")
    expect(page.locator(".checkin-item")).to_have_count(3)
    problems += check_tap_targets(page, "history")
    for label, url in search_pages(*give_a_search(live_server, account)):
        page.goto(url)
        problems += check_tap_targets(page, label)
    assert not problems, "\n".join(problems)
    watch.assert_clean()


def test_check_in_with_the_keyboard_alone(
    signed_in_page: Page, watch: BrowserWatch, live_server: LiveServer, account: Account
):
    page = signed_in_page
    page.goto("/")  # a fresh load: focus starts at the top of the document
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert skip.bounding_box()["y"] >= 0, "the focused skip link is off screen"

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()
    assert urlsplit(page.url).fragment == "main"
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Mood: awful", exact=True)).to_be_focused()
    for _ in range(3):
        page.keyboard.press("Tab")
    good = page.get_by_role("button", name="Mood: good", exact=True)
    expect(good).to_be_focused()

    page.keyboard.press("Enter")
    expect(page.locator("#checkin-panel h2")).to_have_text("Saved: you're feeling good")
    assert [c.mood for c in live_server.checkins(account)] == [4]
    watch.assert_clean()


def test_focus_moves_to_the_saved_heading_after_a_tap(signed_in_page: Page, watch: BrowserWatch):
    """After a tap, focus goes to "Saved: ...", so a screen reader announces the result and
    the keyboard continues from the new panel (the intent stated in app.js)."""
    page = signed_in_page
    good = page.get_by_role("button", name="Mood: good", exact=True)
    good.focus()
    page.keyboard.press("Enter")
    saved = page.locator("#checkin-panel h2")
    expect(saved).to_have_text("Saved: you're feeling good")
    watch.assert_clean()
    expect(saved).to_be_focused(timeout=1000)
