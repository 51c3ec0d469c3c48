"""A service's "no" to a change: the reason in the user's words, and the form field it is
about, so the page can show it there (`webapp.forms.saved`)."""

from __future__ import annotations


class Refused(ValueError):
    """A change that breaks a rule. `field` names the form field it belongs to; None when
    it is about the whole form."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
