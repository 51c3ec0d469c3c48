"""A software authenticator for the passkey tests: the phone's part of WebAuthn, done with a
real P-256 key, so the server's checks (challenge, origin, RP ID, signature, counter, user
verification) run for real without a browser. The browser tests use Chromium's own virtual
authenticator instead."""

from __future__ import annotations

import hashlib
import json
import secrets
import struct
from dataclasses import dataclass, field

import cbor2
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from webauthn.helpers import base64url_to_bytes, bytes_to_base64url

UP, UV, AT = 0x01, 0x04, 0x40


def _b64(data: bytes) -> str:
    return bytes_to_base64url(data)


@dataclass
class SoftAuthenticator:
    """One passkey on one make-believe phone. `sign_count` goes up by one per use, as the
    Chromium virtual authenticator's does; set it back to act out a cloned key."""

    rp_id: str = "localhost"
    origin: str = "http://localhost"
    key: ec.EllipticCurvePrivateKey = field(default_factory=lambda: ec.generate_private_key(ec.SECP256R1()))
    credential_id: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    sign_count: int = 0
    user_handle: bytes | None = None
    user_verified: bool = True

    @property
    def credential_id_b64(self) -> str:
        return _b64(self.credential_id)

    def _client_data(self, kind: str, challenge: str, origin: str | None) -> bytes:
        return json.dumps({"type": kind, "challenge": challenge,
                           "origin": origin or self.origin, "crossOrigin": False}).encode()

    def _auth_data(self, flags: int, extra: bytes = b"") -> bytes:
        rp_hash = hashlib.sha256(self.rp_id.encode()).digest()
        flags |= UP | (UV if self.user_verified else 0)
        return rp_hash + bytes([flags]) + struct.pack(">I", self.sign_count) + extra

    def register(self, options_json: str, *, origin: str | None = None) -> dict:
        """Answer the server's registration options as `navigator.credentials.create`
        would, returning the JSON the page posts back."""
        options = json.loads(options_json)
        self.user_handle = base64url_to_bytes(options["user"]["id"])
        self.sign_count += 1
        numbers = self.key.public_key().public_numbers()
        cose = cbor2.dumps({1: 2, 3: -7, -1: 1, -2: numbers.x.to_bytes(32, "big"),
                            -3: numbers.y.to_bytes(32, "big")})
        attested = bytes(16) + struct.pack(">H", len(self.credential_id)) + self.credential_id + cose
        auth_data = self._auth_data(AT, attested)
        attestation = cbor2.dumps({"fmt": "none", "attStmt": {}, "authData": auth_data})
        client_data = self._client_data("webauthn.create", options["challenge"], origin)
        return {
            "id": self.credential_id_b64, "rawId": self.credential_id_b64, "type": "public-key",
            "authenticatorAttachment": "platform", "clientExtensionResults": {},
            "response": {"clientDataJSON": _b64(client_data),
                         "attestationObject": _b64(attestation), "transports": ["internal"]},
        }

    def sign_in(self, options_json: str, *, origin: str | None = None) -> dict:
        """Answer the server's sign-in options as `navigator.credentials.get` would."""
        options = json.loads(options_json)
        self.sign_count += 1
        auth_data = self._auth_data(0)
        client_data = self._client_data("webauthn.get", options["challenge"], origin)
        signature = self.key.sign(auth_data + hashlib.sha256(client_data).digest(),
                                  ec.ECDSA(hashes.SHA256()))
        return {
            "id": self.credential_id_b64, "rawId": self.credential_id_b64, "type": "public-key",
            "authenticatorAttachment": "platform", "clientExtensionResults": {},
            "response": {"clientDataJSON": _b64(client_data), "authenticatorData": _b64(auth_data),
                         "signature": _b64(signature),
                         "userHandle": _b64(self.user_handle or b"")},
        }
