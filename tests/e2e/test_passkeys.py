"""Passkeys in a real browser on a phone, with Chromium's virtual authenticator standing in
for the fingerprint reader (CDP `WebAuthn.addVirtualAuthenticator`): add a passkey from
Account, sign out, sign in with it from the sign-in page (autofill), confirm it's you with
it, rename it, remove it. axe on every passkey page. On http://localhost:PORT, because
WebAuthn refuses an IP address as the site."""

from __future__ import annotations

import base64
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from tests.e2e.conftest import Account, BrowserWatch, LiveServer, sign_in
from tests.e2e.test_accessibility import axe_context, axe_violations, check_tap_targets
from webapp.models import LoginSession, Passkey

pytestmark = pytest.mark.e2e


def add_virtual_authenticator(context: BrowserContext, page: Page) -> tuple[object, str]:
    """A platform authenticator that holds discoverable credentials and always verifies
    the user, as a phone with a fingerprint set up does."""
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    made = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True,
    }})
    return cdp, made["authenticatorId"]


def b64url(standard_base64: str) -> str:
    """CDP gives credential ids in standard base64 with padding; the server keeps base64url."""
    return base64.urlsafe_b64encode(base64.b64decode(standard_base64)).decode().rstrip("=")


def passkeys_of(live_server: LiveServer, account: Account) -> list[Passkey]:
    with live_server.db() as session:
        rows = list(session.scalars(Passkey.owned_by(account.id).order_by(Passkey.id)))
        session.expunge_all()
        return rows


def sessions_of(live_server: LiveServer, account: Account) -> int:
    with live_server.db() as session:
        return len(list(session.scalars(
            select(LoginSession.id).where(LoginSession.user_id == account.id))))


def test_add_sign_in_with_rename_and_remove_a_passkey(
    watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account,
    localhost_url: str,
):
    context = watched_context(base_url=localhost_url)
    page = context.new_page()
    cdp, authenticator = add_virtual_authenticator(context, page)
    sign_in(page, account)
    assert page.evaluate("window.isSecureContext")

    # Account > More > Passkeys: add one (the login is fresh).
    page.get_by_role("link", name="More").tap()
    page.get_by_role("link", name="Passkeys").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passkeys")
    expect(page.get_by_text("You haven't added a passkey yet.")).to_be_visible()
    page.get_by_role("button", name="Add a passkey").tap()
    expect(page.locator("#flashes")).to_contain_text("Passkey added")
    [passkey] = passkeys_of(live_server, account)
    assert passkey.name == "Chrome on Android"
    expect(page.locator(".passkey-list")).to_contain_text("Chrome on Android")
    [credential] = cdp.send("WebAuthn.getCredentials",
                            {"authenticatorId": authenticator})["credentials"]
    assert credential["isResidentCredential"] is True
    assert b64url(credential["credentialId"]) == passkey.credential_id

    # Sign out; the sign-in page offers the passkey through autofill (conditional UI),
    # which the virtual authenticator accepts at once, and Today opens.
    page.get_by_role("button", name="Sign out").first.tap()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hi, {account.name}")
    assert urlsplit(page.url).path == "/"
    assert page.get_by_label("Email").count() == 0
    assert sessions_of(live_server, account) == 1
    [used] = passkeys_of(live_server, account)
    assert used.last_used_at is not None and used.sign_count > passkey.sign_count

    # Confirm it's you with the passkey button (no password typed).
    page.goto("/auth/reauth?next=/account/passkeys")
    page.get_by_role("button", name="Use a passkey").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Passkeys")
    expect(page.locator(".passkey-list")).to_contain_text("last used")

    # Rename it.
    page.get_by_role("link", name="Rename Chrome on Android").tap()
    page.get_by_label("Name").fill("My phone")
    page.get_by_role("button", name="Save").tap()
    expect(page.locator(".passkey-list")).to_contain_text("My phone")

    # Remove it: asked first.
    page.get_by_role("link", name="Remove My phone").tap()
    expect(page.get_by_role("heading", level=1)).to_have_text("Remove “My phone”?")
    page.get_by_role("button", name="Remove").tap()
    expect(page.locator("#flashes")).to_contain_text("Passkey removed")
    expect(page.get_by_text("You haven't added a passkey yet.")).to_be_visible()
    assert passkeys_of(live_server, account) == []

    cdp.send("WebAuthn.removeVirtualAuthenticator", {"authenticatorId": authenticator})
    watch.assert_clean()


def test_passkey_pages_are_accessible_in_light_and_dark(
    watched_context, watch: BrowserWatch, live_server: LiveServer, account: Account,
    localhost_url: str,
):
    problems: list[str] = []
    watch.expect_console_error(r"status of 422 .*/rename")  # the empty name, on purpose
    for scheme in ("light", "dark"):
        context = axe_context(watched_context, base_url=localhost_url, color_scheme=scheme)
        page = context.new_page()
        add_virtual_authenticator(context, page)
        page.goto("/auth/login")
        # Where the browser can do WebAuthn, the passkey button shows and the email field
        # offers passkeys in its suggestions.
        expect(page.get_by_role("button", name="Use a passkey")).to_be_visible()
        expect(page.get_by_label("Email")).to_have_attribute("autocomplete", "username webauthn")
        problems += [f"{scheme} login: {v}" for v in axe_violations(page)]
        sign_in(page, account)
        page.goto("/account/passkeys")
        if not passkeys_of(live_server, account):
            page.get_by_role("button", name="Add a passkey").tap()
            expect(page.locator("#flashes")).to_contain_text("Passkey added")
        passkey_id = passkeys_of(live_server, account)[0].id
        for label, url in (("passkeys", "/account/passkeys"),
                           ("rename", f"/account/passkeys/{passkey_id}/rename"),
                           ("remove", f"/account/passkeys/{passkey_id}/remove"),
                           ("reauth", "/auth/reauth")):
            page.goto(url)
            problems += [f"{scheme} {label}: {v}" for v in axe_violations(page)]
            if scheme == "light":
                problems += check_tap_targets(page, label)
        page.goto(f"/account/passkeys/{passkey_id}/rename")
        page.get_by_label("Name").fill("")
        page.get_by_role("button", name="Save").tap()
        expect(page.get_by_text("Give the passkey a name.")).to_be_visible()
        problems += [f"{scheme} rename with error: {v}" for v in axe_violations(page)]
        context.close()
    assert not problems, "\n".join(problems)
    watch.assert_clean()
