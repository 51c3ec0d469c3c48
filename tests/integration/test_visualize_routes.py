"""The Visualize pages over HTTP: my why, the guided visualization (a list without JS, the
script and its controls with it), one tap for how it felt with htmx and without, bad input
(422), someone else's moments (404), CSRF, and what the page weighs."""

from __future__ import annotations

import gzip
import html
import re

from sqlalchemy import func, select

from tests import factories
from tests.integration.guards_support import counting_statements
from webapp.extensions import db
from webapp.models import MyWhy, VisualizationSession
from webapp.visualize import services as visualize


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def with_alice(app, alice_id, make):
    with app.app_context():
        return make(factories.user_by_id(alice_id))


def sessions(app, user_id: int | None = None) -> list[tuple[int, int, str | None]]:
    with app.app_context():
        query = select(VisualizationSession).order_by(VisualizationSession.id)
        if user_id is not None:
            query = query.where(VisualizationSession.user_id == user_id)
        return [(s.minutes, s.felt, s.note) for s in db.session.scalars(query)]


def main(body: str) -> str:
    return body.split("<main", 1)[1].split("</main>", 1)[0]


# --- The page -------------------------------------------------------------------------------


def test_the_page_offers_a_why_the_prompts_and_the_timer(app, alice_id, alice):
    response = alice.get("/visualize")
    body = text(response)
    assert response.status_code == 200
    assert "Write my why" in body and "None yet." in body
    # Without JS every prompt is in a list; the script turns it into one at a time.
    prompts = re.findall(r"<li>([^<]+)</li>", body.split('data-prompt-list', 1)[1].split("</ol>")[0])
    assert prompts == list(visualize.PROMPTS)
    assert re.search(r'<script src="/static/js/visualize\.\w+\.js" defer></script>', body)
    assert '<div class="actions visualize-controls" data-controls hidden>' in body
    assert '<div class="visualize-stage" data-stage hidden>' in body
    assert 'role="timer"' in body and 'aria-live="polite" data-status' in body
    for minutes in (1, 3, 5):
        assert f'value="{minutes}"' in body
    assert re.search(r'<input checked id="minutes-1" name="minutes" required type="radio" value="3">', body)
    for value, word in visualize.FELT.items():
        assert f'name="felt" value="{value}" class="button felt">{word}</button>' in body
    # More lights up, and More links here.
    assert 'aria-current="page"' in re.search(r'<a href="/account"[^>]*>', body).group(0)
    assert 'href="/visualize"' in text(alice.get("/account"))


def test_no_inline_script_or_style_and_a_light_page(alice):
    response = alice.get("/visualize", headers={"Accept-Encoding": "gzip"})
    body = gzip.decompress(response.data).decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)", body)
    assert " style=" not in body and "<style" not in body and "hx-on" not in body
    assert len(response.data) <= 15_000
    with alice.get(re.search(r'src="(/static/js/visualize\.[^"]*)"', body).group(1),
                   headers={"Accept-Encoding": "gzip"}) as script:
        assert script.status_code == 200 and len(script.data) <= 3_000


def test_the_page_stays_within_five_queries_with_many_moments(app, alice_id, alice):
    for _ in range(12):
        with_alice(app, alice_id, factories.make_visualization)
    with_alice(app, alice_id, factories.set_my_why)
    with counting_statements(app) as statements:
        body = text(alice.get("/visualize"))
    assert "You have taken 12 moments to picture where you're heading." in body
    assert body.count('class="activity-item"') == visualize.RECENT_SESSIONS
    assert len(statements) <= 8, statements


# --- How it felt ----------------------------------------------------------------------------


def test_one_tap_without_js_saves_and_comes_back_to_the_moments(app, alice_id, alice):
    response = alice.post("/visualize/sessions",
                          data={"minutes": "1", "felt": "4", "note": " An office with plants. "})
    assert response.status_code == 303
    assert response.headers["Location"] == "/visualize#moments"
    assert sessions(app) == [(1, 4, "An office with plants.")]
    body = text(alice.get("/visualize"))
    assert "Saved. Thank you for taking a moment for yourself." in body
    assert "You have taken 1 moment to picture where you're heading." in body
    assert "1 minute, felt good" in body and "An office with plants." in body


def test_one_tap_with_htmx_answers_the_part_afterwards_and_the_count(app, alice_id, alice):
    with_alice(app, alice_id, factories.make_visualization)
    response = alice.htmx("post", "/visualize/sessions", data={"minutes": "5", "felt": "5"})
    body = text(response)
    assert response.status_code == 201
    assert "<html" not in body and "<nav" not in body
    assert body.lstrip().startswith('<div id="visualize-after"')
    assert "Saved: it felt uplifting" in body
    assert '<section class="card" id="moments" aria-labelledby="moments-title" hx-swap-oob="true">' in body
    assert "You have taken 2 moments" in body
    assert 'name="note"' in body and "</textarea>" in body  # a fresh note for next time
    assert len(response.get_data()) < 5 * 1024
    assert sessions(app)[-1] == (5, 5, None)


def test_how_it_felt_is_one_of_five_answers(app, alice_id, alice):
    for data, message in (
        ({"minutes": "3", "felt": "9"}, "Choose how it felt from the five answers."),
        ({"minutes": "3", "felt": "good"}, "Choose how it felt from the five answers."),
        ({"minutes": "3"}, "Tap how it felt."),
        ({"minutes": "2", "felt": "3"}, "Choose 1, 3 or 5 minutes."),
        ({"minutes": "3", "felt": "3", "note": "x" * 501}, "Keep the note to 500 characters."),
    ):
        for htmx in (False, True):
            response = (alice.htmx("post", "/visualize/sessions", data=data) if htmx
                        else alice.post("/visualize/sessions", data=data))
            assert response.status_code == 422, (data, htmx)
            body = text(response)
            assert message in body, (data, body[:500])
            assert ("<html" in body) is not htmx
    assert sessions(app) == []


def test_a_session_needs_the_csrf_token(app, alice):
    response = alice.post("/visualize/sessions", data={"minutes": "3", "felt": "4"}, csrf=False)
    assert response.status_code == 400
    assert sessions(app) == []


# --- Someone else's moments, and deleting one's own ---------------------------------------------


def test_someone_elses_moment_is_a_404(app, alice_id, bob_id, alice, bob):
    session_id = with_alice(app, alice_id, factories.make_visualization).id
    url = f"/visualize/sessions/{session_id}/delete"
    assert bob.get(url).status_code == 404
    assert bob.post(url).status_code == 404
    assert bob.htmx("post", url).status_code == 404
    assert sessions(app, alice_id) != []
    assert factories.CANARY not in text(bob.get("/visualize"))


def test_deleting_asks_first_then_deletes(app, alice_id, alice):
    session_id = with_alice(app, alice_id, factories.make_visualization).id
    url = f"/visualize/sessions/{session_id}/delete"
    page = text(alice.get(url))
    assert "Delete this moment?" in page and factories.CANARY in page
    response = alice.post(url)
    assert response.status_code == 303 and response.headers["Location"] == "/visualize#moments"
    assert sessions(app) == []
    assert alice.post(url).status_code == 404


# --- My why -------------------------------------------------------------------------------------


def test_writing_my_why_and_seeing_it_on_the_page(app, alice_id, alice):
    form = text(alice.get("/visualize/why"))
    assert "Growth: to learn, stretch" in form and "In your own words" in form
    response = alice.post("/visualize/why", data={"growth": "y", "passion": "y",
                                                   "own_words": "To build things people use."})
    assert response.status_code == 303 and response.headers["Location"] == "/visualize"
    body = text(alice.get("/visualize"))
    assert "Your why is saved." in body
    why = main(body).split('id="my-why"', 1)[1].split("</section>", 1)[0]
    assert "Growth" in why and "Passion" in why and "Stability" not in why
    assert "To build things people use." in why and "Change my why" in why
    # The form shows what was saved.
    form = alice.get("/visualize/why").get_data(as_text=True)
    assert re.search(r'<input checked id="growth" name="growth" type="checkbox" value="y">', form)
    assert re.search(r'<input id="stability" name="stability" type="checkbox" value="y">', form)


def test_my_why_too_long_is_a_422_and_writes_nothing(app, alice):
    response = alice.post("/visualize/why", data={"own_words": "x" * 1001})
    assert response.status_code == 422
    assert "Keep your own words to 1000 characters." in text(response)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MyWhy)) == 0


def test_my_why_is_shown_as_text_never_as_markup(app, alice_id, alice):
    payload = '<script>alert(1)</script><img src=x onerror="alert(2)">'
    with_alice(app, alice_id, lambda u: factories.set_my_why(u, (), payload))
    with_alice(app, alice_id, lambda u: factories.make_visualization(u, note=payload))
    body = alice.get("/visualize").get_data(as_text=True)
    assert "<script>alert(1)" not in body and "<img src=x" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
