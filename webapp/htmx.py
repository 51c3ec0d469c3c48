"""Small helpers for answering htmx requests (see STYLE.md, "htmx conventions")."""

from __future__ import annotations

from flask import request


def is_htmx() -> bool:
    """True for an htmx request that wants a fragment.

    Boosted navigations and history restores carry HX-Request too, but need the whole page.
    """
    headers = request.headers
    return (
        headers.get("HX-Request") == "true"
        and headers.get("HX-Boosted") != "true"
        and headers.get("HX-History-Restore-Request") != "true"
    )
