"""The request side of passkeys: which site they are for, the challenge kept in the signed
session between the two steps of each ceremony, and the JSON the page posts. The rules are
in `auth.passkeys`, which takes none of this from the request itself."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, jsonify, request, session

from webapp.auth.passkeys import Challenge, RelyingParty

CHALLENGE_KEY = "passkey_challenge"


def relying_party() -> RelyingParty | None:
    """The site passkeys are made for: WEBAUTHN_RP_ID and WEBAUTHN_ORIGIN from config, or in
    development the host the page was asked from. None when passkeys are off (production
    without them set)."""
    config = current_app.config
    name = config["APP_NAME"]
    if config.get("WEBAUTHN_RP_ID") and config.get("WEBAUTHN_ORIGIN"):
        return RelyingParty(id=config["WEBAUTHN_RP_ID"], name=name,
                            origin=config["WEBAUTHN_ORIGIN"].rstrip("/"))
    host = urlsplit(request.host_url).hostname or ""
    if config.get("WEBAUTHN_FROM_REQUEST") and not _is_ip_address(host):
        return RelyingParty(id=host, name=name, origin=request.host_url.rstrip("/"))
    return None


def _is_ip_address(host: str) -> bool:
    """Browsers refuse an IP address as a passkey's site, so http://127.0.0.1:5000 offers
    no passkeys; http://localhost:5000 does."""
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def passkeys_enabled() -> bool:
    """For templates: show passkey buttons only where passkeys can work."""
    return relying_party() is not None


def require_relying_party() -> RelyingParty:
    rp = relying_party()
    if rp is None:
        abort(404)
    return rp


def keep_challenge(challenge: Challenge) -> None:
    session[CHALLENGE_KEY] = challenge.as_dict()


def take_challenge() -> Challenge | None:
    """The waiting challenge, removed as it is read, so each is answered at most once from
    this session; its expiry limits a replayed copy of an older cookie."""
    return Challenge.from_dict(session.pop(CHALLENGE_KEY, None))


def posted_json() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(422, "That didn't come through. Please try again.")
    return data


def options_response(options_json: str):
    return current_app.response_class(options_json, mimetype="application/json")


def json_answer(status: int = 200, **fields: Any):
    return jsonify(fields), status
