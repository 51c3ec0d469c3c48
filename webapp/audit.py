"""Security events as one JSON line each (TRUST.md SEC-32, SEC-34).

Only ids, never passwords, tokens, emails or anything the user wrote (SEC-33).
"""

from __future__ import annotations

import json
import logging

from flask import g, has_request_context, request

from webapp.clock import now_utc

logger = logging.getLogger("onward.security")


def security_event(event: str, *, user_id: int | None = None, **fields: object) -> None:
    record: dict[str, object] = {"ts": now_utc().isoformat(), "event": event, "user_id": user_id}
    if has_request_context():
        record["ip"] = request.remote_addr
        record["request_id"] = g.get("request_id")
    record.update(fields)
    # json.dumps escapes newlines, so a crafted value can't forge a second record.
    logger.info(json.dumps(record, default=str))
