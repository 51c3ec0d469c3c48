"""Security events as one JSON line each (TRUST.md SEC-32, SEC-34).

Only ids, never passwords, tokens, emails or anything the user wrote (SEC-33). A share
link's path carries its token, so `/s/<token>` is written as `/s/<id>` (SHR-14).
"""

from __future__ import annotations

import hashlib
import json
import logging
import re

from flask import g, has_request_context, request

from webapp.clock import now_utc

logger = logging.getLogger("onward.security")

# A share link's token is the path segment after /s/, up to the next separator.
SHARE_PATH = re.compile(r"/s/([^/?#\s\"\\]+)")


def redact_share_paths(text: str) -> str:
    """`text` with every `/s/<token>` written as `/s/<first 8 hex digits of its SHA-256>`:
    the id the share domain logs a link by, and the one gunicorn.conf.py's access log
    writes, so the three can be matched without the token ever being written."""
    return SHARE_PATH.sub(
        lambda m: "/s/" + hashlib.sha256(m.group(1).encode()).hexdigest()[:8], text
    )


class RedactSharePaths(logging.Filter):
    """A log filter applying `redact_share_paths` to each record's message: for loggers that
    print request lines, such as the development server's ("werkzeug")."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact_share_paths(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        return True


def security_event(event: str, *, user_id: int | None = None, **fields: object) -> None:
    record: dict[str, object] = {"ts": now_utc().isoformat(), "event": event, "user_id": user_id}
    if has_request_context():
        record["ip"] = request.remote_addr
        record["request_id"] = g.get("request_id")
    record.update(fields)
    # json.dumps escapes newlines, so a crafted value can't forge a second record.
    logger.info(redact_share_paths(json.dumps(record, default=str)))
