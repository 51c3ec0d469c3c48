"""Applications, the rejection flow and feedback over HTTP: success, bad input, someone
else's objects, CSRF, htmx fragments and the query budget with a long search behind it."""

import html
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.integration.guards_support import counting_statements
from tests.integration.test_route_guards import (
    QUERY_BUDGET,
    WORST_FRAGMENT_BUDGET,
    statement_report,
)
from webapp.applications import flow
from webapp.applications.words import THINKING_TRAPS
from webapp.errors import CSRF_MESSAGE
from webapp.extensions import db
from webapp.models import Application, JournalEntry, PracticeQuestion, Skill, StageChange, User
from webapp.models.search import application_skills
from webapp.timezones import local_today


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def today(app, user_id) -> date:
    with app.app_context():
        return local_today(db.session.get(User, user_id).timezone)


def make(app, user_id, build):
    """Run `build(user)` in an app context; return its result's id (or the result)."""
    with app.app_context():
        made = build(db.session.get(User, user_id))
        return getattr(made, "id", made)


def count(app, model, **where) -> int:
    with app.app_context():
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return db.session.scalar(query)


def load(app, model, object_id):
    with app.app_context():
        obj = db.session.get(model, object_id)
        db.session.expunge(obj)
        return obj


# --- Adding, listing, searching -----------------------------------------------------------


def test_the_quick_add_needs_only_company_and_role(app, alice):
    response = alice.post("/applications/new", data={"company": "Acme", "role": "Designer",
                                                      "stage": "applied"})
    assert response.status_code == 303
    detail = alice.get(response.headers["Location"])
    assert "Added Designer at Acme." in text(detail)
    assert "Applied" in text(detail) and "Timeline" in text(detail)
    assert count(app, Application) == 1 and count(app, StageChange, stage="applied") == 1


def test_the_full_form_keeps_every_detail(app, alice, alice_id):
    day = today(app, alice_id) - timedelta(days=3)
    response = alice.post("/applications/new", data={
        "company": "Globex", "role": "Data analyst", "stage": "applied",
        "applied_on": day.isoformat(), "link": "https://globex.example/jobs/42",
        "salary": "£40–45k", "location": "Leeds (hybrid)", "contact_name": "Jo Bloggs",
        "contact_email": "jo@globex.example", "excitement": "4", "resume_tailored": "yes",
        "cover_letter_tailored": "no", "notes": "Ask about the team's <b>Fridays</b>",
    })
    assert response.status_code == 303
    page = alice.get(response.headers["Location"]).get_data(as_text=True)
    assert 'href="https://globex.example/jobs/42" rel="noopener noreferrer nofollow"' in page
    assert "&lt;b&gt;Fridays&lt;/b&gt;" in page  # escaped, never markup
    with app.app_context():
        application = db.session.scalar(select(Application))
        assert (application.applied_on, application.excitement, application.resume_tailored,
                application.cover_letter_tailored) == (day, 4, True, False)


BAD_APPLICATIONS = [
    ({"company": "", "role": "Designer"}, "Which company is it?"),
    ({"company": "Acme", "role": "   "}, "What's the role called?"),
    ({"company": "A" * 121, "role": "Designer"}, "Keep the company name to 120 characters."),
    ({"company": "Acme", "role": "R" * 121}, "Keep the role to 120 characters."),
    ({"link": "javascript:alert(1)"}, "A link starts with http:// or https://."),
    ({"link": "https://" + "x" * 500}, "Keep the link to 500 characters."),
    ({"contact_email": "jo@"}, "That email address doesn't look complete."),
    ({"excitement": "9"}, "Not a valid choice"),
    ({"resume_tailored": "maybe"}, "Not a valid choice"),
    ({"applied_on": "2999-01-01"}, "That day hasn't come yet."),
    ({"applied_on": "1999-12-31"}, "Pick a day in 2000 or later."),
    ({"applied_on": "yesterday"}, "Pick a day from the calendar."),
    ({"notes": "n" * 5001}, "Keep the notes to 5000 characters."),
]


@pytest.mark.parametrize(("fields", "message"), BAD_APPLICATIONS)
@pytest.mark.parametrize("form", ["new", "edit"])
def test_bad_applications_get_a_message_and_nothing_is_written(
    app, alice, alice_id, form, fields, message
):
    url = "/applications/new"
    if form == "edit":
        url = f"/applications/{make(app, alice_id, factories.make_application)}/edit"
    before = count(app, Application)
    response = alice.post(url, data={"company": "Acme", "role": "Designer", **fields})
    assert response.status_code == 422
    assert message in text(response)
    assert 'class="error"' in response.get_data(as_text=True)
    assert count(app, Application) == before
    assert count(app, Application, company="Acme") == 0  # the edit didn't land either


def test_a_new_application_is_applied_or_saved(app, alice):
    response = alice.post("/applications/new", data={
        "company": "Acme", "role": "Designer", "stage": "offer"})
    assert response.status_code == 422 and "Not a valid choice" in text(response)
    alice.post("/applications/new", data={"company": "Acme", "role": "Designer", "stage": "saved"})
    assert count(app, Application, stage="saved") == 1 and count(app, StageChange) == 1


def test_search_answers_htmx_with_the_results_and_works_without_js(app, alice, alice_id):
    for company, role in (("Acme", "Designer"), ("Globex", "Analyst"), ("Initech", "Designer")):
        make(app, alice_id, lambda u, c=company, r=role: factories.make_application(u, c, r))
    page = alice.get("/applications?q=design")
    assert page.status_code == 200 and "<html" in text(page)
    assert "Acme" in text(page) and "Initech" in text(page) and "Globex" not in text(page)
    assert 'hx-push-url="true"' in text(page) and 'value="design"' in text(page)
    fragment = alice.htmx("get", "/applications?q=globex")
    body = text(fragment)
    assert "<html" not in body and body.lstrip().startswith('<div id="application-results">')
    assert "Globex" in body and "Acme" not in body
    assert "HX-Request" in fragment.headers["Vary"]
    boosted = alice.get("/applications?q=globex", headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in text(boosted)


def test_the_list_shows_the_funnel_and_filters_by_stage(app, alice, alice_id):
    def build(user):
        for n in range(3):
            factories.make_application(user, f"Company {n}")
        first = db.session.scalar(Application.owned_by(user.id).order_by(Application.id))
        factories.move(user, first, "screening", "rejected")

    make(app, alice_id, build)
    page = text(alice.get("/applications"))
    assert re.search(r'funnel-count">3<.*?Applied.*?funnel-count">1<.*?Screening.*?33%<span class="visually-hidden"> of the step before',
                     page, re.S)
    rejected = text(alice.get("/applications?stage=rejected"))
    assert "Company 0" in rejected and "Company 1" not in rejected
    assert 'aria-current="true">Rejected' in rejected


def test_an_empty_list_says_how_to_start(alice):
    assert "Log your first application above" in text(alice.get("/applications"))
    assert "Nothing matches that" in text(alice.get("/applications?q=nothing-like-it"))


# --- Stages ----------------------------------------------------------------------------------


def test_moving_to_rejected_offers_the_rejection_flow(app, alice, alice_id):
    application_id = make(app, alice_id, factories.make_application)
    response = alice.post(f"/applications/{application_id}/stage",
                          data={"stage": "rejected", "day": today(app, alice_id).isoformat()})
    assert response.status_code == 303
    detail = text(alice.get(response.headers["Location"]))
    assert "Moved to “Rejected”." in detail
    assert "A no can sting" in detail and f"/applications/{application_id}/rejected" in detail


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stage": "applied"}, "It's already at “Applied”."),
        ({"stage": "teleported"}, "Not a valid choice"),
        ({"stage": "offer", "day": ""}, "Pick the day it happened."),
        ({"stage": "offer", "day": "2999-01-01"}, "That day hasn't come yet."),
        ({"stage": "offer", "day": "2001-01-01"}, "Its last change was on"),
    ],
)
def test_bad_moves_are_refused_on_the_stage_page(app, alice, alice_id, data, message):
    application_id = make(app, alice_id, factories.make_application)
    data = {"day": today(app, alice_id).isoformat(), **data}
    response = alice.post(f"/applications/{application_id}/stage", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert count(app, StageChange) == 1


def test_no_reply_is_one_htmx_tap_that_swaps_the_row(app, alice, alice_id):
    application_id = make(app, alice_id, lambda u: factories.make_application(
        u, applied_on=local_today(u.timezone) - timedelta(days=30)))
    listing = text(alice.get("/applications"))
    assert "No news for three weeks" in listing
    response = alice.htmx("post", f"/applications/{application_id}/no-reply")
    assert response.status_code == 200
    body = text(response)
    assert body.lstrip().startswith(f'<li class="application-item" id="application-{application_id}">')
    assert "No reply" in body and "No news" not in body
    assert load(app, Application, application_id).stage == "no_reply"
    again = alice.htmx("post", f"/applications/{application_id}/no-reply")
    assert again.status_code == 422 and again.headers["HX-Retarget"] == "#flashes"


def test_no_reply_without_js_goes_back_to_the_application(app, alice, alice_id):
    application_id = make(app, alice_id, lambda u: factories.make_application(
        u, applied_on=local_today(u.timezone) - timedelta(days=30)))
    assert "No reply?" in text(alice.get(f"/applications/{application_id}"))
    response = alice.post(f"/applications/{application_id}/no-reply")
    assert response.status_code == 303
    assert "It counts as a step to yes." in text(alice.get(response.headers["Location"]))


# --- Deleting -----------------------------------------------------------------------------


@pytest.mark.parametrize("tick", [False, True])
def test_deleting_keeps_reflections_unless_the_box_is_ticked(app, alice, alice_id, tick):
    application_id = make(app, alice_id, factories.make_application)
    make(app, alice_id, lambda u: factories.make_reflection(u, db.session.get(Application, application_id)))
    page = text(alice.get(f"/applications/{application_id}/delete"))
    assert "Also delete my reflections on it" in page
    response = alice.post(f"/applications/{application_id}/delete",
                          data={"with_reflections": "y"} if tick else {})
    assert response.status_code == 303
    flashed = text(alice.get(response.headers["Location"]))
    assert count(app, Application) == 0
    assert count(app, JournalEntry) == (0 if tick else 1)
    assert ("still in your journal" in flashed) is not tick


# --- The rejection flow ----------------------------------------------------------------------


def steps_of(app, entry_id):
    with app.app_context():
        entry = db.session.get(JournalEntry, entry_id)
        return entry.thought_record, entry.body


def test_the_whole_flow_with_htmx_never_reloads_the_page(app, alice, alice_id):
    application_id = make(app, alice_id, lambda u: factories.make_application(
        u, "Acme", "Designer", applied_on=local_today(u.timezone) - timedelta(days=7),
        contact_name="Jo", contact_email="jo@acme.test"))
    start = alice.post(f"/applications/{application_id}/rejected",
                       data={"stage_reached": "interview", "day": today(app, alice_id).isoformat()})
    assert start.status_code == 303
    location = urlsplit(start.headers["Location"])
    entry_id = int(location.path.rsplit("/", 1)[1])
    assert parse_qs(location.query) == {"step": ["not-personal"]}
    assert "Step 2 of 5" in text(alice.get(start.headers["Location"]))

    base = f"/applications/reflections/{entry_id}"
    answers = [
        ("not-personal", {"reasons": ["internal", "many_applicants"]}, "not-personal",
         "An inside candidate starts with years of trust"),
        ("thought", {"thought": "I'll never get hired", "belief_before": "85",
                     "traps": ["fortune_telling"]}, "reframe", "I reached the interview stage once"),
        ("reframe", {"picked": ["interview"], "evidence": "",
                     "balanced": "One no, not every no."}, "lesson", "Before, you said 85."),
        ("lesson", {"lesson": "Practise the portfolio story", "redirect": "Smaller studios",
                    "belief_after": "40"}, "feedback", "mailto:jo@acme.test?subject="),
        ("feedback", {}, "forward", "One next step:"),
        ("forward", {"next_action": "apply"}, "forward", "Your reflection is saved"),
    ]
    for step, data, following, shows in answers:
        response = alice.htmx("post", f"{base}/{step}", data=data)
        assert response.status_code == 200, (step, text(response)[:500])
        body = text(response)
        assert "<html" not in body and body.lstrip().startswith('<section id="flow-step"')
        assert response.headers["HX-Push-Url"] == f"{base}?step={following}"
        assert shows in body, step
    # The finished flow ends on the one-tap mood check-in, answered in place.
    assert 'hx-post="/checkins" hx-target="#checkin-panel"' in body
    assert 'id="today-checkins"' in body and "No check-ins yet today" in body
    record, summary = steps_of(app, entry_id)
    assert record.completed_at is not None and record.next_action == "apply"
    assert record.outside_reasons == ["internal", "many_applicants"]
    assert "I reached the interview stage once" in record.evidence_against
    assert "**A more balanced thought:** One no, not every no." in summary
    assert load(app, Application, application_id).feedback_requested_on == today(app, alice_id)
    detail = text(alice.get(f"/applications/{application_id}"))
    assert "You wrote a reflection." in detail and "“One no, not every no.”" in detail
    assert "Asked for feedback" in detail and "A no can sting" not in detail


def test_each_step_works_without_js(app, alice, alice_id):
    entry_id = make(app, alice_id, factories.make_reflection)
    base = f"/applications/reflections/{entry_id}"
    response = alice.post(f"{base}/thought", data={"thought": "Not good enough"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{base}?step=reframe"
    page = text(alice.get(response.headers["Location"]))
    assert "<html" in page and "Your thought: Not good enough" in page.replace("<q class=\"quoted\">", "").replace("</q>", "")


def test_the_thought_step_explains_each_thinking_trap_in_one_line(app, alice, alice_id):
    entry_id = make(app, alice_id, factories.make_reflection)
    page = text(alice.get(f"/applications/reflections/{entry_id}?step=thought"))
    assert len(THINKING_TRAPS) >= 5
    for trap in THINKING_TRAPS:
        assert trap.label in page and trap.explanation in page, trap.key


def test_skipping_a_step_is_a_get(app, alice, alice_id):
    entry_id = make(app, alice_id, factories.make_reflection)
    fragment = alice.htmx("get", f"/applications/reflections/{entry_id}?step=lesson")
    assert "<html" not in text(fragment) and "Where it points" in text(fragment)
    assert "Step 3 of 5" in text(fragment)
    unknown = alice.get(f"/applications/reflections/{entry_id}?step=nonsense")
    assert unknown.status_code == 200 and "What happened" in text(unknown)


BAD_STEPS = [
    ("happened", {"stage_reached": "hired", "day": "2024-01-02"}, "Not a valid choice"),
    ("happened", {"stage_reached": "applied"}, "Pick the day you heard."),
    ("happened", {"day": "2999-01-01"}, "That day hasn't come yet."),
    ("not-personal", {"reasons": "bad_luck"}, "Pick from the list."),
    ("thought", {"belief_before": "150"}, "A number from 0 (not at all) to 100 (completely)."),
    ("thought", {"belief_before": "lots"}, "A number from 0 to 100."),
    ("thought", {"thought": "t" * 2001}, "Keep this to 2000 characters."),
    ("thought", {"traps": "being_wrong"}, "Pick from the list."),
    ("reframe", {"picked": "win-424242"}, "That suggestion isn't on the list any more."),
    ("lesson", {"belief_after": "-5"}, "A number from 0 (not at all) to 100 (completely)."),
    ("forward", {"next_action": "give_up"}, "Not a valid choice"),
]


@pytest.mark.parametrize(("step", "data", "message"), BAD_STEPS)
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "form"])
def test_bad_step_answers_are_refused_in_place(app, alice, alice_id, step, data, message, htmx):
    entry_id = make(app, alice_id, factories.make_reflection)
    before = steps_of(app, entry_id)[1]
    url = f"/applications/reflections/{entry_id}/{step}"
    response = alice.htmx("post", url, data=data) if htmx else alice.post(url, data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert ("<html" in text(response)) is not htmx
    assert "HX-Push-Url" not in response.headers
    assert steps_of(app, entry_id)[1] == before


def test_asking_for_feedback_in_the_flow_needs_the_application(app, alice, alice_id):
    def build(user):
        entry = factories.make_reflection(user)
        db.session.delete(db.session.get(Application, entry.application_id))
        db.session.commit()
        return entry

    entry_id = make(app, alice_id, build)
    page = text(alice.get(f"/applications/reflections/{entry_id}?step=feedback"))
    assert "no one to write to" in page
    response = alice.post(f"/applications/reflections/{entry_id}/feedback")
    assert response.status_code == 422 and "there's no one to ask" in text(response)


def test_i_got_a_rejection_from_today_adds_the_application_on_the_way(app, alice, alice_id):
    assert "I got a rejection" in text(alice.get("/"))
    page = text(alice.get("/applications/rejection"))
    assert "One that isn't in Onward yet" in page
    response = alice.post("/applications/rejection", data={
        "application": "new", "company": "Initech", "role": "Analyst",
        "stage_reached": "screening", "day": today(app, alice_id).isoformat()})
    assert response.status_code == 303 and "step=not-personal" in response.headers["Location"]
    with app.app_context():
        application = db.session.scalar(select(Application))
        assert (application.company, application.stage, application.reached) == (
            "Initech", "rejected", 2)
    assert re.search(r'id="steps-to-yes">1</span>\s*step to yes', text(alice.get("/")))


def test_i_got_a_rejection_for_an_application_already_logged(app, alice, alice_id):
    application_id = make(app, alice_id, lambda u: factories.make_application(u, "Acme"))
    assert "Designer at Acme" in text(alice.get("/applications/rejection"))
    response = alice.post("/applications/rejection", data={
        "application": str(application_id), "day": today(app, alice_id).isoformat()})
    assert response.status_code == 303
    assert load(app, Application, application_id).stage == "rejected"
    assert count(app, Application) == 1


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"application": "new", "role": "Analyst"}, "Which company was it?"),
        ({"application": "new", "company": "Initech"}, "What was the role called?"),
        ({"application": "new", "company": "I" * 121, "role": "Analyst"},
         "Keep the company name to 120 characters."),
        ({"application": "999999"}, "Not a valid choice"),
        ({"application": "new", "company": "Initech", "role": "Analyst", "day": "2999-01-01"},
         "That day hasn't come yet."),
    ],
)
def test_i_got_a_rejection_checks_its_answers(app, alice, alice_id, data, message):
    data = {"day": today(app, alice_id).isoformat(), **data}
    response = alice.post("/applications/rejection", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert count(app, Application) == 0 and count(app, JournalEntry) == 0


def test_someone_elses_application_cannot_be_chosen_or_reached(app, alice, bob, alice_id):
    application_id = make(app, alice_id, factories.make_application)
    entry_id = make(app, alice_id, factories.make_reflection)
    assert f'value="{application_id}"' not in text(bob.get("/applications/rejection"))
    refused = bob.post("/applications/rejection", data={
        "application": str(application_id), "day": "2024-01-02"})
    assert refused.status_code == 422
    for url in (f"/applications/reflections/{entry_id}?step=forward",
                f"/applications/{application_id}/feedback"):
        assert bob.get(url).status_code == 404
    assert bob.htmx("post", f"/applications/reflections/{entry_id}/forward",
                    data={"next_action": "apply"}).status_code == 404
    assert steps_of(app, entry_id)[0].completed_at is None


def test_a_journal_entry_that_is_not_a_reflection_is_a_404(app, alice, alice_id):
    def build(user):
        return factories.make_small_win(user, "A good call")

    entry_id = make(app, alice_id, build)
    assert alice.get(f"/applications/reflections/{entry_id}").status_code == 404


def test_a_step_saved_without_the_csrf_token_is_refused(app, alice, alice_id):
    entry_id = make(app, alice_id, factories.make_reflection)
    response = alice.htmx("post", f"/applications/reflections/{entry_id}/thought",
                          data={"thought": "No token"}, csrf=False)
    assert response.status_code == 400 and CSRF_MESSAGE in text(response)
    assert steps_of(app, entry_id)[0].thought is None


# --- Feedback ------------------------------------------------------------------------------


def test_the_feedback_page_drafts_a_request_with_a_working_mail_link(app, alice, alice_id):
    application_id = make(app, alice_id, lambda u: factories.make_application(
        u, "Acme & Sons", "Designer", contact_name="Jo", contact_email="jo@acme.test"))
    page = alice.get(f"/applications/{application_id}/feedback").get_data(as_text=True)
    link = html.unescape(re.search(r'href="(mailto:[^"]+)"', page).group(1))
    fields = parse_qs(urlsplit(link).query)
    assert link.startswith("mailto:jo@acme.test?subject=")
    assert fields["body"][0].startswith("Hello Jo,\r\n\r\nThank you for letting me know about "
                                        "the Designer role at Acme & Sons")
    assert 'src="/static/js/feedback.' in page and "data-copy" in page
    assert "<script>" not in page


def test_i_sent_it_is_one_htmx_tap(app, alice, alice_id):
    application_id = make(app, alice_id, factories.make_application)
    response = alice.htmx("post", f"/applications/{application_id}/feedback/asked")
    assert response.status_code == 200
    assert text(response).lstrip().startswith('<div id="feedback-asked"')
    assert "Well done for asking" in text(response)
    assert load(app, Application, application_id).feedback_requested_on == today(app, alice_id)


def test_feedback_received_with_skills_shows_on_the_application(app, alice, alice_id):
    application_id = make(app, alice_id, factories.make_application)
    day = today(app, alice_id)
    response = alice.post(f"/applications/{application_id}/feedback", data={
        "requested_on": (day - timedelta(days=4)).isoformat(), "received_on": day.isoformat(),
        "feedback": "Lovely portfolio; more numbers next time.", "skills": "SQL, Storytelling"})
    assert response.status_code == 303
    detail = text(alice.get(response.headers["Location"]))
    assert "Lovely portfolio; more numbers next time." in detail
    assert "<li>SQL</li><li>Storytelling</li>" in detail
    assert "Feedback came back" in detail
    assert count(app, Skill) == 2


def test_questions_from_feedback_go_to_interview_practice(app, alice, alice_id):
    application_id = make(app, alice_id, lambda u: factories.make_application(
        u, "Acme & Sons", "Designer"))
    response = alice.post(f"/applications/{application_id}/feedback", data={
        "feedback": "Be ready for a case study.",
        "questions": "Walk us through a case study.\r\nHow do you handle pushback?\r\n"})
    assert response.status_code == 303
    follow = text(alice.get(response.headers["Location"]))
    assert "2 questions added to your interview practice in Growth." in follow
    bank = text(alice.get("/growth/questions"))
    assert "Walk us through a case study." in bank and "How do you handle pushback?" in bank
    assert bank.count("From feedback: Designer at Acme & Sons.") == 2
    assert count(app, PracticeQuestion) == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"questions": "\n".join(f"Question {n}?" for n in range(21))},
         "Add up to 20 questions at a time."),
        ({"questions": "q" * 501}, "Keep each question to 500 characters."),
        ({"requested_on": "2999-01-01"}, "That day hasn't come yet."),
        ({"requested_on": "2024-03-05", "received_on": "2024-03-01"},
         "The answer can't come before you asked."),
        ({"feedback": "f" * 5001}, "Keep the feedback to 5000 characters."),
        ({"skills": ", ".join(f"skill {n}" for n in range(11))}, "Name up to 10 skills."),
        ({"skills": "s" * 121}, "Keep each skill to 120 characters."),
    ],
)
def test_bad_feedback_is_refused(app, alice, alice_id, data, message):
    application_id = make(app, alice_id, factories.make_application)
    response = alice.post(f"/applications/{application_id}/feedback", data=data)
    assert response.status_code == 422
    assert message in text(response)
    assert load(app, Application, application_id).feedback is None
    assert count(app, Skill) == 0
    assert count(app, PracticeQuestion) == 0


def test_a_nudge_after_ten_days_without_an_answer(app, alice, alice_id):
    def build(user):
        application = factories.make_application(user)
        application.feedback_requested_on = local_today(user.timezone) - timedelta(days=10)
        db.session.commit()
        return application

    application_id = make(app, alice_id, build)
    assert "A gentle follow-up, or let it go" in text(alice.get("/applications"))
    assert "A short, friendly follow-up is fine" in text(alice.get(f"/applications/{application_id}"))


# --- Speed ---------------------------------------------------------------------------------


def seed_a_search(user: User, applications: int = 60) -> None:
    """A long search: applications at every stage with histories, a dozen rejections that
    went through the flow, feedback asked and some received, with skills."""
    today = local_today(user.timezone)
    for n in range(applications):
        application = factories.make_application(
            user, f"Company {n}", f"Role {n}", applied_on=today - timedelta(days=90 - n))
        path = [("screening",), ("screening", "interview"), (), ("screening", "rejected"),
                ("rejected",), ("no_reply",)][n % 6]
        factories.move(user, application, *path, day=today - timedelta(days=60 - n // 2))
        if n % 5 == 0 and application.stage != "rejected":
            factories.make_reflection(user, application, stage_reached="applied", day=today)
        if n % 4 == 0:
            application.feedback_requested_on = today - timedelta(days=12)
            application.feedback = "Good, keep going" if n % 8 == 0 else None
            db.session.commit()


def test_pages_stay_within_the_query_budget_with_a_long_search(app, alice, alice_id):
    """Ten statements at most per page, and fragments under 20 KB, with sixty applications
    behind them: nothing is loaded per row."""
    make(app, alice_id, seed_a_search)
    with app.app_context():
        some = db.session.scalar(select(Application.id).where(Application.reached >= 3))
        entry, finished = db.session.scalars(
            select(JournalEntry.id).where(JournalEntry.kind == "reflection")
            .order_by(JournalEntry.id).limit(2)).all()
    make(app, alice_id, lambda user: flow.finish(user, db.session.get(JournalEntry, finished),
                                                 "apply"))
    urls = [f"/applications/reflections/{finished}?step=forward",  # with the mood check-in
            "/", "/applications", "/applications?stage=rejected", "/applications?q=company+1",
            "/applications?page=2", f"/applications/{some}", f"/applications/{some}/feedback",
            "/applications/rejection"]
    urls += [f"/applications/reflections/{entry}?step={step}" for step in (
        "happened", "not-personal", "thought", "reframe", "lesson", "feedback", "forward")]
    over = []
    for url in urls:
        for htmx in (False, True):
            with counting_statements(app) as statements:
                response = alice.htmx("get", url) if htmx else alice.get(url)
            assert response.status_code == 200, url
            budget = QUERY_BUDGET  # Today included: no page has an exception
            if len(statements) > budget:
                over.append(statement_report(statements, f"{'htmx ' if htmx else ''}GET {url}",
                                             budget))
            if htmx and "<html" not in text(response):  # PERF-02's worst case
                assert len(response.get_data()) <= WORST_FRAGMENT_BUDGET, url
    assert not over, "\n".join(over)


# --- Demo data -----------------------------------------------------------------------------


def test_demo_data_adds_a_realistic_search_once(app):
    from tests.integration.test_platform import DEMO_ENV

    runner = app.test_cli_runner()
    args = ["demo-data", "--email", "demo@example.com", "--days", "120"]
    first = runner.invoke(args=args, env=DEMO_ENV)
    assert first.exit_code == 0, first.output
    assert "Added a job search of 60 applications." in first.output
    with app.app_context():
        stages = dict(db.session.execute(
            select(Application.stage, func.count()).group_by(Application.stage)).all())
        # The rejection flow's reflections (the journal's demo writes entries of its own).
        reflections = db.session.scalars(
            select(JournalEntry).where(JournalEntry.application_id.is_not(None))).all()
        done = [r for r in reflections if r.thought_record.completed_at]
        asked = db.session.scalar(select(func.count()).select_from(Application).where(
            Application.feedback_requested_on.is_not(None)))
        heard = db.session.scalar(select(func.count()).select_from(Application).where(
            Application.feedback_received_on.is_not(None), Application.feedback.is_not(None)))
        tagged = db.session.scalar(select(func.count()).select_from(application_skills))
        stage_changes = db.session.scalar(select(func.count()).select_from(StageChange))
    assert sum(stages.values()) == 60
    assert {"applied", "interview", "rejected", "no_reply"} <= set(stages)
    # A dozen rejections walked through the whole flow, each on its own application.
    assert len(done) == len(reflections) == 12
    assert len({r.application_id for r in reflections}) == 12
    # Feedback asked for after some of them, and some of it came back, naming skills.
    assert 1 <= heard < asked <= 12
    assert tagged >= heard
    assert stage_changes > 60
    second = runner.invoke(args=args, env=DEMO_ENV)
    assert second.exit_code == 0 and "The job search was there already." in second.output
    assert count(app, Application) == 60


def test_a_short_demo_still_has_its_dozen_rejections_through_the_flow(app):
    from tests.integration.test_platform import DEMO_ENV

    result = app.test_cli_runner().invoke(
        args=["demo-data", "--email", "demo@example.com", "--days", "7"], env=DEMO_ENV)
    assert result.exit_code == 0, result.output
    with app.app_context():
        reflections = db.session.scalars(
            select(JournalEntry).where(JournalEntry.application_id.is_not(None))).all()
        rejected = db.session.scalar(select(func.count()).select_from(Application).where(
            Application.stage == "rejected"))
        done = [r for r in reflections if r.thought_record.completed_at]
        stages = dict(db.session.execute(
            select(Application.stage, func.count()).group_by(Application.stage)).all())
    assert len(done) == len(reflections) == rejected == 12
    # A week-old search is mostly still waiting: a few withdrawn, as in a longer demo, not
    # half of them (every young application the other paths skip used to be withdrawn).
    assert stages.get("withdrawn", 0) <= 10 < stages["applied"]
