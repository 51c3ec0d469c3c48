"""Growth over HTTP: skills and courses, the quick progress update, one-tap learning
sessions, the question bank and practising; bad input (422 with the form again), someone
else's objects (404), CSRF, htmx fragments against whole pages, and the query budget."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories
from tests.integration.guards_support import counting_statements, with_user
from tests.integration.test_route_guards import QUERY_BUDGET, statement_report
from webapp.errors import CSRF_MESSAGE
from webapp.extensions import db
from webapp.models import Activity, PracticeAttempt, PracticeQuestion, Skill, User
from webapp.timezones import local_today


def count(app, model, **where) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count()).select_from(model).filter_by(**where)
        ) or 0


def load(app, model, object_id):
    with app.app_context():
        obj = db.session.get(model, object_id)
        db.session.expunge_all()
        return obj


def today_of(app, user_id) -> date:
    with app.app_context():
        return local_today(db.session.get(User, user_id).timezone)


@pytest.fixture
def skill_id(app, alice_id) -> int:
    return with_user(app, alice_id, lambda u: factories.make_skill(u, "SQL basics").id)


@pytest.fixture
def question_id(app, alice_id) -> int:
    return with_user(app, alice_id, lambda u: factories.make_question(
        u, "Why do you want this role?").id)


# --- Skills -------------------------------------------------------------------------------------


def test_growth_starts_empty_and_kind(alice):
    page = alice.get("/growth").get_data(as_text=True)
    assert "Nothing here yet" in page
    assert "Add a question" in page


def test_adding_a_skill(app, alice):
    response = alice.post("/growth/skills/new", data={
        "name": "UX research certificate", "provider": "Coursera", "status": "active",
        "progress": "20", "notes": "Module 2 next",
    })
    assert response.status_code == 303 and response.headers["Location"] == "/growth"
    page = alice.get("/growth").get_data(as_text=True)
    assert "“UX research certificate” added." in page
    assert "Working on now" in page and "Coursera" in page and 'value="20"' in page
    assert count(app, Skill, name="UX research certificate", status="active", progress=20) == 1


def test_skills_show_where_feedback_named_them(app, alice_id, alice):
    def seed(user):
        skill = factories.make_skill(user, "Stakeholder management", status="active")
        factories.make_feedback_application(user, skill, company="Acme", role="Product owner")

    with_user(app, alice_id, seed)
    assert "From feedback on Product owner at Acme" in alice.get("/growth").get_data(as_text=True)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "status": "planned"}, "Give the skill or course a name."),
        ({"name": "   ", "status": "planned"}, "Give the skill or course a name."),
        ({"name": "x" * 121, "status": "planned"}, "Keep the name to 120 characters."),
        ({"name": "ok", "provider": "p" * 121, "status": "planned"},
         "Keep this to 120 characters."),
        ({"name": "ok", "status": "someday"}, "Choose where you are with it."),
        ({"name": "ok", "status": "planned", "progress": "101"},
         "Progress is a whole number from 0 to 100."),
        ({"name": "ok", "status": "planned", "progress": "-5"},
         "Progress is a whole number from 0 to 100."),
        ({"name": "ok", "status": "planned", "progress": "lots"},
         "Progress is a whole number from 0 to 100."),
        ({"name": "ok", "status": "planned", "notes": "n" * 2001},
         "Keep the notes to 2000 characters."),
    ],
    ids=["no name", "blank name", "long name", "long provider", "status", "progress 101",
         "progress -5", "progress words", "long notes"],
)
@pytest.mark.parametrize("editing", [False, True], ids=["new", "edit"])
def test_a_bad_skill_form_comes_back_with_the_reason(app, alice, skill_id, form, message,
                                                     editing):
    url = f"/growth/skills/{skill_id}/edit" if editing else "/growth/skills/new"
    response = alice.post(url, data=form)
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert message in body and "has-error" in body
    assert count(app, Skill) == 1
    assert load(app, Skill, skill_id).name == "SQL basics"


def test_editing_a_skill(app, alice, skill_id):
    form = alice.get(f"/growth/skills/{skill_id}/edit").get_data(as_text=True)
    assert 'value="SQL basics"' in form
    response = alice.post(f"/growth/skills/{skill_id}/edit", data={
        "name": "SQL joins", "status": "done", "progress": "100",
    })
    assert response.status_code == 303
    assert response.headers["Location"] == f"/growth#skill-{skill_id}"
    skill = load(app, Skill, skill_id)
    assert (skill.name, skill.status, skill.progress) == ("SQL joins", "done", 100)


def test_deleting_a_skill_asks_first(app, alice, skill_id):
    confirm = alice.get(f"/growth/skills/{skill_id}/delete")
    assert confirm.status_code == 200 and "Delete “SQL basics”?" in confirm.get_data(as_text=True)
    assert count(app, Skill) == 1
    response = alice.post(f"/growth/skills/{skill_id}/delete")
    assert response.status_code == 303 and count(app, Skill) == 0


# --- The quick progress update and learning sessions ---------------------------------------------


def test_progress_by_htmx_swaps_the_card(app, alice, skill_id):
    response = alice.htmx("post", f"/growth/skills/{skill_id}/progress", data={"progress": "65"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and body.startswith(f'<li class="skill-card" id="skill-{skill_id}"')
    assert 'value="65"' in body and 'hx-swap-oob="innerHTML"' in body  # the flash, out of band
    assert "is at 65%" in body
    assert load(app, Skill, skill_id).progress == 65


def test_progress_without_js_goes_back_to_the_skill(app, alice, skill_id):
    response = alice.post(f"/growth/skills/{skill_id}/progress", data={"progress": "30"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/growth#skill-{skill_id}"
    assert load(app, Skill, skill_id).progress == 30


@pytest.mark.parametrize("value", ["", "101", "-1", "half", "50.5"])
@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
def test_bad_progress_is_422_with_the_reason(app, alice, skill_id, value, htmx):
    url = f"/growth/skills/{skill_id}/progress"
    response = (alice.htmx("post", url, data={"progress": value}) if htmx
                else alice.post(url, data={"progress": value}))
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert "Progress is a whole number from 0 to 100." in body
    assert ("<html" in body) is not htmx
    assert load(app, Skill, skill_id).progress == 0


def test_one_tap_logs_a_learning_session_for_today(app, alice_id, alice, skill_id):
    response = alice.htmx("post", f"/growth/skills/{skill_id}/sessions")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert "<html" not in body and "1 learning session, the last" in body and "today" in body
    assert "counts toward this week&#39;s learning goal" in body
    today = today_of(app, alice_id)
    with app.app_context():
        [activity] = db.session.scalars(select(Activity))
        assert (activity.kind, activity.skill_id, activity.done_on) == ("learning", skill_id, today)
    assert load(app, Skill, skill_id).status == "active"


def test_a_learning_session_without_js(app, alice, skill_id):
    response = alice.post(f"/growth/skills/{skill_id}/sessions")
    assert response.status_code == 303
    assert response.headers["Location"] == f"/growth#skill-{skill_id}"
    assert count(app, Activity, kind="learning") == 1


def test_a_tap_without_the_csrf_token_logs_nothing(app, alice, skill_id):
    for htmx in (True, False):
        url = f"/growth/skills/{skill_id}/sessions"
        response = (alice.htmx("post", url, csrf=False) if htmx
                    else alice.post(url, csrf=False))
        assert response.status_code == 400
        assert CSRF_MESSAGE in response.get_data(as_text=True)
    assert count(app, Activity) == 0


# --- Questions and practice ---------------------------------------------------------------------


def test_adding_a_question_and_seeing_where_questions_came_from(app, alice_id, alice):
    response = alice.post("/growth/questions", data={"question": "What are you proud of?"})
    assert response.status_code == 303 and response.headers["Location"] == "/growth/questions"

    def from_interview(user):
        skill = factories.make_skill(user, "SQL")
        application = factories.make_feedback_application(user, skill, company="Acme",
                                                           role="Analyst")
        factories.make_question(user, "Explain a left join.", source="interview",
                                application_id=application.id)

    with_user(app, alice_id, from_interview)
    page = alice.get("/growth/questions").get_data(as_text=True)
    assert "Question added." in page
    assert "What are you proud of?" in page and "Your own." in page
    assert "From an interview: Analyst at Acme." in page
    assert "Not practised yet." in page


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "Write the question you&#39;d like to practise."),
     ("  ", "Write the question you&#39;d like to practise."),
     ("q" * 501, "Keep the question to 500 characters.")],
    ids=["empty", "blank", "too long"],
)
def test_a_bad_question_comes_back_with_the_reason(app, alice, question_id, text, message):
    for url in ("/growth/questions", f"/growth/questions/{question_id}/edit"):
        response = alice.post(url, data={"question": text})
        assert response.status_code == 422, url
        assert message in response.get_data(as_text=True), url
    assert count(app, PracticeQuestion) == 1
    assert load(app, PracticeQuestion, question_id).question == "Why do you want this role?"


def test_the_bank_is_paged(app, alice_id, alice):
    def seed(user):
        for n in range(21):
            factories.make_question(user, f"Question number {n:02d}")

    with_user(app, alice_id, seed)
    first = alice.get("/growth/questions").get_data(as_text=True)
    assert "Question number 20" in first and "Question number 00" not in first
    assert "Older questions" in first and "(21)" in first
    second = alice.get("/growth/questions?page=2").get_data(as_text=True)
    assert "Question number 00" in second and "Newer questions" in second
    assert "Nothing further back" in alice.get("/growth/questions?page=9").get_data(as_text=True)


def test_editing_and_deleting_a_question(app, alice, question_id):
    response = alice.post(f"/growth/questions/{question_id}/edit",
                          data={"question": "Why this role, and why now?"})
    assert response.status_code == 303
    assert load(app, PracticeQuestion, question_id).question == "Why this role, and why now?"
    assert "Delete this question?" in alice.get(
        f"/growth/questions/{question_id}/delete").get_data(as_text=True)
    assert alice.post(f"/growth/questions/{question_id}/delete").status_code == 303
    assert count(app, PracticeQuestion) == 0


def test_practising_a_question(app, alice_id, alice, question_id):
    today = today_of(app, alice_id)
    form = alice.get(f"/growth/questions/{question_id}/practise").get_data(as_text=True)
    assert f'value="{today.isoformat()}"' in form and f'max="{today.isoformat()}"' in form
    response = alice.post(f"/growth/questions/{question_id}/practise",
                          data={"rating": "2", "practised_on": today.isoformat()})
    assert response.status_code == 303 and response.headers["Location"] == "/growth/practise"
    question = load(app, PracticeQuestion, question_id)
    assert (question.last_rating, question.last_practised_on, question.times_practised) == (
        2, today, 1
    )
    next_page = alice.get("/growth/practise").get_data(as_text=True)
    assert "Practice saved." in next_page


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"practised_on": "2024-03-01"}, "Choose how it went, from 1 to 5."),
        ({"rating": "6", "practised_on": "2024-03-01"}, "Choose how it went, from 1 to 5."),
        ({"rating": "0", "practised_on": "2024-03-01"}, "Choose how it went, from 1 to 5."),
        ({"rating": "3", "practised_on": ""}, "Choose the day you practised."),
        ({"rating": "3", "practised_on": "1999-12-31"}, "Choose a day from the year 2000 on."),
        ({"rating": "3", "practised_on": "tomorrow"}, "Choose the day you practised."),
        ({"rating": "3", "practised_on": "2999-01-01"},
         "Choose a day that isn&#39;t in the future."),
    ],
    ids=["no rating", "rating 6", "rating 0", "no day", "before 2000", "not a date", "future"],
)
def test_a_bad_practice_comes_back_with_the_reason(app, alice, question_id, form, message):
    response = alice.post(f"/growth/questions/{question_id}/practise", data=form)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(app, PracticeAttempt) == 0
    assert load(app, PracticeQuestion, question_id).times_practised == 0


def test_practise_one_now_with_an_empty_bank(alice):
    page = alice.get("/growth/practise").get_data(as_text=True)
    assert "Your question bank is empty" in page


def test_practise_one_now_offers_the_weakest_with_a_calm_prompt(app, alice_id, alice):
    def seed(user):
        today = local_today(user.timezone)
        steady = factories.make_question(user, "A steady one")
        factories.practise(user, steady, 5, today - timedelta(days=20))
        shaky = factories.make_question(user, "A shaky one")
        factories.practise(user, shaky, 1, today - timedelta(days=2))
        return shaky.id

    shaky_id = with_user(app, alice_id, seed)
    page = alice.get("/growth/practise").get_data(as_text=True)
    assert "A shaky one" in page and "A steady one" not in page
    assert "This one felt shaky last time." in page
    assert f'action="/growth/questions/{shaky_id}/practise"' in page


# --- Someone else's, and the budget ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "data"),
    [
        ("get", "/growth/skills/{skill}/edit", None),
        ("post", "/growth/skills/{skill}/edit", {"name": "Bob's", "status": "done"}),
        ("post", "/growth/skills/{skill}/delete", None),
        ("post", "/growth/skills/{skill}/progress", {"progress": "99"}),
        ("post", "/growth/skills/{skill}/sessions", None),
        ("get", "/growth/questions/{question}/edit", None),
        ("post", "/growth/questions/{question}/delete", None),
        ("post", "/growth/questions/{question}/practise", {"rating": "1",
                                                           "practised_on": "2024-01-01"}),
    ],
)
def test_someone_elses_skill_or_question_is_a_404(app, bob, skill_id, question_id, method, path,
                                                  data):
    url = path.format(skill=skill_id, question=question_id)
    for htmx in (False, True):
        response = bob.htmx(method, url, data=data) if htmx else bob.open(
            url, method=method.upper(), data=data)
        assert response.status_code == 404, (url, htmx)
    assert load(app, Skill, skill_id).progress == 0
    assert count(app, Activity) == 0 and count(app, PracticeAttempt) == 0


def test_bob_never_sees_alices_growth(app, alice_id, alice, bob):
    with_user(app, alice_id, lambda u: factories.make_skill(u))
    with_user(app, alice_id, lambda u: factories.make_question(u))
    for url in ("/growth", "/growth/questions", "/growth/practise"):
        assert factories.CANARY not in bob.get(url).get_data(as_text=True), url
    for url in ("/growth", "/growth/questions", "/growth/practise"):
        assert factories.CANARY in alice.get(url).get_data(as_text=True), url


def seed_growth(user: User) -> dict:
    """A year of growth: skills with sessions and feedback, a bank of practised questions."""
    today = local_today(user.timezone)
    skills = []
    for n in range(25):
        skill = factories.make_skill(user, f"Skill {n}", status=("planned", "active", "done")[n % 3])
        skills.append(skill)
        factories.make_feedback_application(user, skill, company=f"Co {n}", role="Analyst")
    for n in range(60):
        db.session.add(Activity(user_id=user.id, kind="learning", done_on=today - timedelta(days=n),
                                skill_id=skills[n % 25].id))
    db.session.commit()
    for n in range(40):
        question = factories.make_question(user, f"Question {n}")
        if n % 2:
            factories.practise(user, question, 1 + n % 5, today - timedelta(days=n))
    return {"skill": skills[0].id, "question": question.id}


def test_growth_pages_stay_within_the_query_budget(app, alice_id, alice):
    ids = with_user(app, alice_id, seed_growth)
    urls = ["/growth", "/growth/questions", "/growth/questions?page=2", "/growth/practise",
            "/growth/skills/new", f"/growth/skills/{ids['skill']}/edit",
            f"/growth/questions/{ids['question']}/practise"]
    over = []
    for url in urls:
        for htmx in (False, True):
            with counting_statements(app) as statements:
                response = alice.htmx("get", url) if htmx else alice.get(url)
            assert response.status_code == 200, url
            if len(statements) > QUERY_BUDGET:
                over.append(statement_report(statements, url))
    token = alice.csrf_token()
    for url, data in ((f"/growth/skills/{ids['skill']}/progress", {"progress": "50"}),
                      (f"/growth/skills/{ids['skill']}/sessions", {})):
        with counting_statements(app) as statements:
            response = alice.htmx("post", url, data=data, csrf=False,
                                  headers={"X-CSRFToken": token})
        assert response.status_code == 200, url
        if len(statements) > QUERY_BUDGET:
            over.append(statement_report(statements, f"htmx POST {url}"))
    assert not over, "\n".join(over)
