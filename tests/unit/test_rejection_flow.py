"""The rejection flow and asking for feedback: starting it, each step, the summary it
writes, evidence from the user's own record, the next step it suggests, the feedback draft
and its mailto: link, skills from feedback. Services against the real database."""

from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import time_machine
from sqlalchemy import func, select

from tests import factories
from webapp.applications import feedback, flow, services
from webapp.applications.services import ApplicationProblem
from webapp.extensions import db
from webapp.models import (
    Application,
    JournalEntry,
    PracticeQuestion,
    Skill,
    StageChange,
    User,
)
from webapp.timezones import local_noon, local_today


@pytest.fixture
def user(app, alice_id):
    with app.app_context():
        yield db.session.get(User, alice_id)


def today(user: User):
    return local_today(user.timezone)


def reflections(user: User) -> int:
    return db.session.scalar(select(func.count()).select_from(JournalEntry).where(
        JournalEntry.user_id == user.id, JournalEntry.kind == "reflection")) or 0


# --- Starting the flow -----------------------------------------------------------------------


def test_starting_marks_the_application_rejected_and_opens_a_linked_reflection(user):
    application = factories.make_application(
        user, "Acme", "Designer", applied_on=today(user) - timedelta(days=3))
    day = today(user) - timedelta(days=1)
    entry = flow.start_reflection(user, application, flow.Happened("interview", day))
    assert (application.stage, application.reached) == ("rejected", 3)
    assert (entry.kind, entry.application_id, entry.title) == (
        "reflection", application.id, "After the no: Designer at Acme")
    record = entry.thought_record
    assert (record.stage_reached, record.rejected_on) == ("interview", day)
    assert entry.body == f"**What happened:** a no after an interview on {day.day} {day:%B %Y}."


def test_starting_again_takes_up_the_same_reflection_and_re_dates_the_no(user):
    application = factories.make_application(user, applied_on=today(user) - timedelta(days=4))
    first = factories.make_reflection(user, application, stage_reached="applied")
    again = flow.start_reflection(
        user, application, flow.Happened("screening", today(user) - timedelta(days=2)))
    assert again.id == first.id and reflections(user) == 1
    rejections = db.session.scalars(select(StageChange.changed_on).where(
        StageChange.application_id == application.id, StageChange.stage == "rejected")).all()
    assert rejections == [today(user) - timedelta(days=2)]
    assert application.reached == 2


def test_a_later_no_after_a_finished_reflection_gets_its_own(user):
    application = factories.make_application(user, applied_on=today(user) - timedelta(days=9))
    first = factories.make_reflection(user, application, day=today(user) - timedelta(days=6))
    flow.finish(user, first, None)
    factories.move(user, application, "screening")  # they came back after all...
    again = flow.start_reflection(user, application, flow.Happened("screening", today(user)))
    assert again.id != first.id and reflections(user) == 2
    assert application.stage == "rejected"  # ...and then said no again
    assert first.thought_record.rejected_on == today(user) - timedelta(days=6)


def test_an_unfinished_reflection_is_taken_up_even_after_a_move(user):
    application = factories.make_application(user, applied_on=today(user) - timedelta(days=9))
    first = factories.make_reflection(user, application, day=today(user) - timedelta(days=6))
    factories.move(user, application, "screening")
    again = flow.start_reflection(user, application, flow.Happened("screening", today(user)))
    assert again.id == first.id and application.stage == "rejected"


def test_a_no_before_the_stage_it_ended_is_refused(user):
    application = factories.make_application(user, applied_on=today(user) - timedelta(days=2))
    with pytest.raises(ApplicationProblem, match="last change"):
        flow.start_reflection(
            user, application, flow.Happened("applied", today(user) - timedelta(days=5)))


def test_i_got_a_rejection_can_add_the_application_on_the_way(user):
    entry = flow.start_from_today(
        user, None, "Initech", "Analyst", flow.Happened("screening", today(user)))
    application = db.session.get(Application, entry.application_id)
    assert (application.company, application.role, application.stage) == (
        "Initech", "Analyst", "rejected")
    assert application.reached == 2  # counts in the funnel as a screening reached
    assert services.steps_to_yes(user) == 1


def test_i_got_a_rejection_refuses_someone_elses_application(bob_id, user):
    bobs = factories.make_application(db.session.get(User, bob_id))
    with pytest.raises(ApplicationProblem, match="one of your applications"):
        flow.start_from_today(user, bobs.id, "", "", flow.Happened(None, today(user)))
    db.session.rollback()
    assert db.session.get(Application, bobs.id).stage == "applied"


@pytest.mark.parametrize(
    ("happened", "message"),
    [
        (flow.Happened("nowhere", None), "how far"),
        (flow.Happened(None, "future"), "hasn't come yet"),
    ],
)
def test_step_one_checks_its_answers(user, happened, message):
    day = today(user) + timedelta(days=1) if happened.day == "future" else today(user)
    with pytest.raises(ApplicationProblem, match=message):
        flow.start_from_today(user, None, "Acme", "Designer",
                              flow.Happened(happened.stage_reached, day))
    db.session.rollback()
    assert reflections(user) == 0


# --- The steps ----------------------------------------------------------------------------


def test_walking_the_whole_flow_writes_a_summary_in_the_users_words(user):
    entry = factories.make_reflection(user, factories.make_application(user, "Acme", "Designer"))
    version = entry.version
    flow.save_not_personal(user, entry, ("internal", "budget"))
    flow.save_thought(user, entry, flow.ThoughtInput(
        "I'll never get hired", 80, ("fortune_telling", "overgeneralising")))
    flow.save_reframe(user, entry, flow.ReframeInput(
        "My portfolio got praise.", ("interview",), "This one didn't work out."))
    flow.save_lesson(user, entry, flow.LessonInput("Prepare a story", "Smaller teams", 40))
    flow.finish(user, entry, "reach_out")
    record = entry.thought_record
    assert record.outside_reasons == ["budget", "internal"]  # the list's order
    assert record.completed_at is not None and entry.version == version + 5
    assert record.evidence_against == (
        "My portfolio got praise.\nI reached the interview stage once: people saw something "
        "in me worth meeting.")
    body = entry.body
    for part in (
        "**Not about my worth:** the money changed: a budget was cut or frozen; they went "
        "with someone already inside.",
        "**The thought:** I'll never get hired (I believed it 80/100)",
        "**Thinking traps:** Fortune telling, Overgeneralising.",
        "**A more balanced thought:** This one didn't work out.",
        "**What this teaches me:** Prepare a story",
        "**Where it points:** Smaller teams",
        "**How much I believe it now:** 40/100 (from 80)",
        "**Next step:** Reach out to someone.",
    ):
        assert part in body
    # The journal's card follows each step's body (it is kept with the entry).
    from webapp.journal.markup import card_html
    assert entry.card_html == card_html(body) and "<strong>Next step:</strong>" in entry.card_html


def test_every_step_is_optional(user):
    entry = factories.make_reflection(user)
    flow.save_thought(user, entry, flow.ThoughtInput())
    flow.save_reframe(user, entry, flow.ReframeInput())
    flow.finish(user, entry, None)
    assert entry.thought_record.completed_at is not None
    assert entry.body.startswith("**What happened:**")


def test_ticking_a_suggestion_twice_copies_it_once(user):
    entry = factories.make_reflection(user)
    flow.save_reframe(user, entry, flow.ReframeInput(None, ("one_decision",), None))
    first = entry.thought_record.evidence_against
    flow.save_reframe(user, entry, flow.ReframeInput(first, ("one_decision",), None))
    assert entry.thought_record.evidence_against == first


@pytest.mark.parametrize(
    ("save", "message"),
    [
        (lambda u, e: flow.save_not_personal(u, e, ("bad_luck",)), "from the list"),
        (lambda u, e: flow.save_thought(u, e, flow.ThoughtInput(traps=("nope",))), "from the list"),
        (lambda u, e: flow.save_thought(u, e, flow.ThoughtInput(belief_before=101)), "0 .not at all"),
        (lambda u, e: flow.save_lesson(u, e, flow.LessonInput(belief_after=-1)), "0 .not at all"),
        (lambda u, e: flow.save_thought(u, e, flow.ThoughtInput("x" * 2001)), "2000 characters"),
        (lambda u, e: flow.save_reframe(u, e, flow.ReframeInput(picked=("win-999",))), "isn't on"),
        (lambda u, e: flow.finish(u, e, "run_away"), "from the list"),
    ],
)
def test_bad_answers_are_refused(user, save, message):
    entry = factories.make_reflection(user)
    with pytest.raises(ApplicationProblem, match=message):
        save(user, entry)


def test_the_flow_moves_on_except_where_an_answer_brings_something_to_read(user):
    entry = factories.make_reflection(user)
    assert flow.step_after("happened").key == "not-personal"
    assert flow.step_after("not-personal", entry.thought_record).key == "thought"
    flow.save_not_personal(user, entry, ("timing",))
    assert flow.step_after("not-personal", entry.thought_record).key == "not-personal"
    assert flow.step_after("lesson").key == "feedback"
    assert flow.step_after("forward").key == "forward"
    view = flow.step_view(user, entry, "not-personal")
    assert view.reminders == ["A reorganisation, a freeze or a holiday season can stop a hire "
                              "overnight."]


# --- Evidence against, from the user's own record -------------------------------------------


def test_evidence_against_is_drawn_from_the_users_own_record(app, user):
    for _ in range(3):
        factories.make_application(user)
    far, further = db.session.scalars(Application.owned_by(user.id).limit(2)).all()
    factories.move(user, far, "screening", "interview")
    factories.move(user, further, "screening", "interview", "offer")
    factories.make_small_win(user, "Landed a call with a recruiter", today(user) - timedelta(days=3))
    factories.make_small_win(user, "Finished the SQL course")
    evidence = {e.key: e.text for e in flow.evidence_against(user)}
    assert evidence["applied"] == (
        "I've sent 3 applications. Putting myself forward that often takes nerve.")
    assert evidence["screening"] == "Someone read what I sent and wanted to talk, twice."
    assert evidence["interview"].startswith("I reached the interview stage twice")
    assert evidence["offer"] == "I've had an offer before: someone already said yes to me."
    wins = [text for key, text in evidence.items() if key.startswith("win-")]
    assert wins[0].endswith("“Finished the SQL course”.")  # the latest first
    assert "Landed a call with a recruiter" in wins[1]


def test_evidence_never_comes_from_someone_else(bob_id, user):
    bob = db.session.get(User, bob_id)
    factories.move(bob, factories.make_application(bob), "screening", "interview", "offer")
    factories.make_small_win(bob, "Bob's win")
    assert [e.key for e in flow.evidence_against(user)] == ["one_decision"]


# --- The next step -------------------------------------------------------------------------


def test_the_next_step_puts_rest_first_when_the_thought_weighs_a_lot(user):
    entry = factories.make_reflection(user)
    flow.save_thought(user, entry, flow.ThoughtInput("I'm useless", 90))
    suggestion = flow.suggest_next_action(user, entry.thought_record)
    assert suggestion.key == "self_care" and suggestion.text.startswith("Be kind to yourself")
    flow.save_lesson(user, entry, flow.LessonInput(belief_after=30))
    assert flow.suggest_next_action(user, entry.thought_record).key == "apply"


def test_low_moods_lately_also_put_rest_first(user):
    factories.make_checkin(user, 1)
    factories.make_checkin(user, 2, day=today(user) - timedelta(days=1))
    assert flow.suggest_next_action(user, None).key == "self_care"


def test_the_next_step_names_someone_not_contacted_for_a_while(user):
    factories.make_contact(user, "Priya", last_contacted_on=today(user))
    factories.make_contact(user, "Sam", last_contacted_on=today(user) - timedelta(days=40))
    suggestion = flow.suggest_next_action(user, None)
    assert (suggestion.key, suggestion.text) == ("reach_out", "Reach out to Sam")


# --- Asking for feedback ------------------------------------------------------------------


def test_the_draft_names_the_interviewer_role_and_company(user):
    application = factories.make_application(
        user, "Acme", "Product designer", contact_name="Jo Bloggs", contact_email="jo@acme.test")
    factories.move(user, application, "interview")
    draft = feedback.draft_request(application, "Alice")
    assert draft.to == "jo@acme.test"
    assert draft.subject == "Thank you, and a small request: Product designer"
    assert draft.body.startswith("Hello Jo Bloggs,\n\nThank you for letting me know about the "
                                 "Product designer role at Acme, and for the interview")
    assert draft.body.endswith("With thanks,\nAlice")
    assert feedback.draft_request(factories.make_application(user), "Alice").body.startswith(
        "Hello,\n\n")


def test_the_mailto_link_encodes_everything_and_survives_a_long_body():
    body = ("Q&A? 100% yes + more #1 / é ✓\nSecond line\n\n" * 60).strip()
    link = feedback.mailto_link("jo+jobs@acme.test", "Re: you & me?", body)
    assert len(body) > 2500
    scheme, rest = link.split(":", 1)
    address, query = rest.split("?", 1)
    assert scheme == "mailto" and unquote(address) == "jo+jobs@acme.test"
    assert set(query.split("&")[0].split("=")[1]) <= set(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789%-._~")
    for raw in ("&", "?", "#", "+", " ", "\n", "é"):
        assert raw not in query.replace("&body=", "")
    fields = parse_qs(query, keep_blank_values=True)
    assert fields["subject"] == ["Re: you & me?"]
    assert fields["body"] == [body.replace("\n", "\r\n")]  # RFC 6068 line breaks
    assert "%0D%0A" in query and "%C3%A9" in query and "%2B" in query
    assert urlsplit(link).scheme == "mailto"


def test_a_mailto_link_without_an_address_still_opens_a_draft():
    assert feedback.mailto_link(None, "Hi", "There").startswith("mailto:?subject=Hi&body=There")


def test_feedback_is_recorded_and_its_skills_show_in_growth(user):
    existing = Skill(user_id=user.id, name="SQL", status="active", progress=50)
    db.session.add(existing)
    db.session.commit()
    application = factories.make_application(user)
    asked = today(user) - timedelta(days=5)
    feedback.save_feedback(user, application, feedback.FeedbackInput(
        requested_on=asked, received_on=today(user), feedback="Strong portfolio; SQL was thin.",
        skills=feedback.parse_skills("sql,  Storytelling , storytelling,")))
    assert [s.name for s in application.skills_to_improve] == ["SQL", "Storytelling"]
    assert application.skills_to_improve[0].id == existing.id  # found by name, case aside
    assert db.session.scalar(select(func.count()).select_from(Skill)) == 2
    added = db.session.scalar(select(Skill).where(Skill.name == "Storytelling"))
    assert (added.user_id, added.status) == (user.id, "planned")
    feedback.save_feedback(user, application, feedback.FeedbackInput(
        requested_on=asked, feedback="Strong portfolio."))
    assert application.skills_to_improve == []
    assert application.feedback_received_on == today(user)  # written down: it came


def test_questions_from_feedback_go_to_the_practice_bank_once(user):
    factories.make_question(user, "Why design?")  # already in the bank, as the user's own
    application = factories.make_application(user, "Acme", "Designer")
    questions = feedback.parse_questions(
        "- Tell us about a hard stakeholder.\n\n  why DESIGN  \n* How do you measure impact?\n"
        "tell us about a  hard stakeholder.")
    assert questions == ("Tell us about a hard stakeholder.", "why DESIGN",
                         "How do you measure impact?", "tell us about a hard stakeholder.")
    added = feedback.save_feedback(user, application, feedback.FeedbackInput(
        feedback="Prepare for stakeholder questions.", questions=questions))
    assert added == 2
    bank = db.session.execute(
        select(PracticeQuestion.question, PracticeQuestion.source, PracticeQuestion.application_id)
        .where(PracticeQuestion.user_id == user.id).order_by(PracticeQuestion.id)).all()
    assert [tuple(row) for row in bank] == [
        ("Why design?", "own", None),
        ("Tell us about a hard stakeholder.", "feedback", application.id),
        ("How do you measure impact?", "feedback", application.id),
    ]
    # Saving the same feedback again adds nothing twice.
    assert feedback.save_feedback(user, application, feedback.FeedbackInput(
        feedback="Prepare for stakeholder questions.", questions=questions)) == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"questions": tuple(f"Question {n}?" for n in range(21))}, "questions"),
        ({"questions": ("q" * 501,)}, "questions"),
        ({"requested_on": "tomorrow"}, "requested_on"),
        ({"requested_on": "today", "received_on": "last week"}, "received_on"),
        ({"feedback": "x" * 5001}, "feedback"),
        ({"skills": tuple(f"skill {n}" for n in range(11))}, "skills"),
        ({"skills": ("x" * 121,)}, "skills"),
    ],
)
def test_bad_feedback_is_refused_at_its_field(user, data, field):
    days = {"today": today(user), "tomorrow": today(user) + timedelta(days=1),
            "last week": today(user) - timedelta(days=7)}
    data = {k: days.get(v, v) if isinstance(v, str) and k.endswith("_on") else v
            for k, v in data.items()}
    application = factories.make_application(user)
    with pytest.raises(ApplicationProblem) as refused:
        feedback.save_feedback(user, application, feedback.FeedbackInput(**data))
    assert refused.value.field == field
    assert db.session.scalar(select(func.count()).select_from(PracticeQuestion)) == 0


def test_a_nudge_comes_ten_days_after_asking_without_an_answer(user):
    application = factories.make_application(user)
    with time_machine.travel(local_noon(today(user), user.timezone), tick=False) as clock:
        feedback.mark_requested(user, application)
        clock.shift(timedelta(days=9))
        assert not services.feedback_nudge_due(application, today(user))
        clock.shift(timedelta(days=1))
        assert services.feedback_nudge_due(application, today(user))
        assert services.search_applications(user).nudge_ids == {application.id}
        application.feedback_received_on = today(user)
        assert not services.feedback_nudge_due(application, today(user))
