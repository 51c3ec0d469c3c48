"""The daily loop through the test client: sign up, one-tap check-in, self-care, history."""

import re

from webapp.extensions import db
from webapp.models import MoodCheckin, SelfCareLog


def test_sign_up_check_in_and_see_it_in_history(app, client):
    response = client.post("/auth/register", data={
        "display_name": "Sam", "email": "Sam@Example.com", "password": "green tea at dawn",
        "timezone": "America/New_York", "consent": "y",
    })
    assert response.status_code == 303
    today = client.get("/").get_data(as_text=True)
    assert "Hi, Sam" in today
    client_uuid = re.search(r'name="client_uuid" type="hidden" value="([^"]+)"', today).group(1)

    saved = client.htmx("post", "/checkins", data={"mood": "4", "client_uuid": client_uuid})
    assert saved.status_code == 201
    assert "Saved: you're feeling good" in saved.get_data(as_text=True)
    assert "<html" not in saved.get_data(as_text=True)

    habit_id = re.search(r'action="/selfcare/habits/(\d+)/done"', today).group(1)
    toggled = client.htmx("post", f"/selfcare/habits/{habit_id}/done", data={"done": "1"})
    assert toggled.status_code == 200
    assert 'aria-pressed="true"' in toggled.get_data(as_text=True)

    history = client.get("/checkins").get_data(as_text=True)
    assert "Good" in history and "Self-care:" in history and "Exercise" in history
    with app.app_context():
        assert db.session.query(MoodCheckin).count() == 1
        assert db.session.query(SelfCareLog).count() == 1
