"""Session replay (TRUST.md TST-04, SEC-10, SEC-11): cookies captured before an event that
must end a session are worthless afterwards.

Each row of EVENTS is one such event. Two devices sign in as alice with "keep me signed in",
so each holds a session cookie and a remember cookie; both devices' cookies are captured
(as a thief with a copy of them would hold them), the event happens on "this device", and
then each captured set is replayed from a new client, with and without the session cookie
(a browser that was closed keeps only the remember cookie). The devices a row names in
`kills` must be signed out; the others must still be signed in, so every row also shows its
cookies were good until the event.

Adding an event (account deletion, removing a passkey, ...) is one row: a function that
does it from `this` device through HTTP, as the user would, and the devices it must sign
out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import select

from tests import factories
from tests.conftest import PASSWORD, BrowserLikeClient, sign_in
from webapp import mail
from webapp.extensions import db
from webapp.models import User

THIS, OTHER = "this device", "other device"
NEW_PASSWORD = "a brand new phrase for spring"


def sign_out(app: Flask, this: BrowserLikeClient) -> None:
    assert this.post("/auth/logout").status_code == 303


def change_password(app: Flask, this: BrowserLikeClient) -> None:
    response = this.post("/account/password", data={
        "current_password": PASSWORD, "new_password": NEW_PASSWORD})
    assert response.status_code == 303, response.get_data(as_text=True)[:300]


def reset_password(app: Flask, this: BrowserLikeClient) -> None:
    """Someone (alice on a third device) follows a reset link from the email."""
    stranger = app.test_client()
    mail.outbox.clear()
    stranger.post("/auth/password/forgot", data={"email": "alice@example.com"})
    link = re.search(r"(/auth/password/reset\?token=\S+)", mail.outbox[-1].get_content()).group(1)
    assert stranger.get(link).status_code == 303
    response = stranger.post("/auth/password/reset", data={
        "password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 303


def sign_out_other_devices(app: Flask, this: BrowserLikeClient) -> None:
    assert this.post("/account/sessions/sign-out-others").status_code == 303


def remove_a_passkey(app: Flask, this: BrowserLikeClient) -> None:
    """The phone that held it was lost: removing it signs out every other device."""
    with app.app_context():
        alice = db.session.scalar(select(User).where(User.email == "alice@example.com"))
        passkey_id = factories.make_passkey(alice).id
    assert this.post(f"/account/passkeys/{passkey_id}/remove").status_code == 303


def delete_the_account(app: Flask, this: BrowserLikeClient) -> None:
    assert this.post("/account/delete", data={"confirm": "delete"}).status_code == 303


@dataclass(frozen=True)
class Event:
    name: str
    happen: Callable[[Flask, BrowserLikeClient], None]
    kills: frozenset[str]


EVENTS = [
    Event("sign out", sign_out, frozenset({THIS})),
    Event("change the password", change_password, frozenset({OTHER})),
    Event("reset the password", reset_password, frozenset({THIS, OTHER})),
    Event("sign out other devices", sign_out_other_devices, frozenset({OTHER})),
    Event("remove a passkey", remove_a_passkey, frozenset({OTHER})),
    Event("delete the account", delete_the_account, frozenset({THIS, OTHER})),
]


def captured(app: Flask, client: BrowserLikeClient) -> dict[str, str]:
    """The device's session and remember cookies, as a thief would copy them."""
    names = (app.config["SESSION_COOKIE_NAME"], app.config["REMEMBER_COOKIE_NAME"])
    cookies = {name: client.get_cookie(name) for name in names}
    assert all(cookies.values()), cookies
    return {name: cookie.value for name, cookie in cookies.items()}


def replays(app: Flask, cookies: dict[str, str]) -> dict[str, int]:
    """GET / from new clients holding the captured cookies: both, and the remember cookie
    alone. The status of each (200 signed in, 302 sent to sign in)."""
    remember_only = {app.config["REMEMBER_COOKIE_NAME"]: cookies[app.config["REMEMBER_COOKIE_NAME"]]}
    statuses = {}
    for label, jar in (("both cookies", cookies), ("remember cookie only", remember_only)):
        replay = app.test_client()
        for name, value in jar.items():
            replay.set_cookie(name, value)
        response = replay.get("/")
        if response.status_code == 302:
            assert response.headers["Location"].startswith("/auth/login"), response.headers
        statuses[label] = response.status_code
    return statuses


@pytest.mark.parametrize("event", EVENTS, ids=[event.name for event in EVENTS])
def test_cookies_captured_before_the_event_are_dead_after_it(app, alice_id, event: Event):
    devices = {THIS: app.test_client(), OTHER: app.test_client()}
    for device in devices.values():
        sign_in(device, "alice@example.com", remember="y")
    stolen = {name: captured(app, device) for name, device in devices.items()}
    for name, cookies in stolen.items():  # good until the event
        assert replays(app, cookies) == {"both cookies": 200, "remember cookie only": 200}, name

    event.happen(app, devices[THIS])

    after = {name: replays(app, cookies) for name, cookies in stolen.items()}
    expected = {
        name: dict.fromkeys(("both cookies", "remember cookie only"),
                            302 if name in event.kills else 200)
        for name in devices
    }
    assert after == expected
