"""Delivering one message to one browser through its push service (the outside edge).

pywebpush encrypts the payload for the browser's keys (aes128gcm) and signs a VAPID header
with ours. Its pitfalls (TOOLCHAIN-2 section 6): it waits forever without a timeout, and it
adds `aud` and `exp` to the claims dict it is given, so each call gets a fresh one.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from enum import Enum
from typing import Any

import requests
from pywebpush import WebPushException, webpush

from webapp.models import PushSubscription
from webapp.reminders.vapid import VapidKeys

logger = logging.getLogger("onward.reminders")

TIMEOUT_SECONDS = 10
# A reminder an hour late is still kind; a day late it is noise, so the push service may
# drop it after an hour (a phone that was off all evening gets nothing).
TTL_SECONDS = 60 * 60
# One topic: a newer reminder waiting at the push service replaces the older one.
TOPIC = "checkin-reminder"


class Delivery(Enum):
    SENT = "sent"
    GONE = "gone"  # 404 or 410: the browser unsubscribed or the subscription expired
    FAILED = "failed"  # anything else; tried again only by tomorrow's reminder


@dataclass(frozen=True)
class PushTarget:
    """A subscription's values, copied out of the session: sending never touches the
    database, so no transaction (on SQLite, the write lock) is held while waiting on a push
    service."""

    id: int
    endpoint: str
    p256dh: str
    auth: str

    @classmethod
    def of(cls, row: PushSubscription) -> PushTarget:
        return cls(id=row.id, endpoint=row.endpoint, p256dh=row.p256dh, auth=row.auth)


def deliver(subscription: PushTarget, message: dict[str, Any], keys: VapidKeys) -> Delivery:
    """Send `message` (as JSON) to one browser. Never raises for the push service's answer."""
    info = {"endpoint": subscription.endpoint,
            "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    try:
        webpush(
            subscription_info=info,
            data=json.dumps(message),
            vapid_private_key=keys.vapid,
            vapid_claims={"sub": keys.subject},
            ttl=TTL_SECONDS,
            timeout=TIMEOUT_SECONDS,
            headers={"Topic": TOPIC, "Urgency": "normal"},
        )
    except WebPushException as problem:
        status = problem.response.status_code if problem.response is not None else None
        if status in (404, 410):
            return Delivery.GONE
        logger.warning("push refused: subscription %s, status %s", subscription.id, status)
        return Delivery.FAILED
    except requests.RequestException as problem:
        logger.warning("push service unreachable: subscription %s, %s", subscription.id,
                       type(problem).__name__)
        return Delivery.FAILED
    return Delivery.SENT
