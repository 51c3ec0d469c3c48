"""The one way a view answers with HTML: the whole page, or only the fragment htmx asked
for; 200 for a fresh form and 422 when a submitted one has errors. Flashes waiting in the
session ride along out of band on every htmx fragment, so a view only ever calls `flash()`.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response, flash, redirect, render_template, session
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm

from webapp.forms import ConfirmForm
from webapp.htmx import is_htmx

FLASHES_OOB = '<div id="flashes" hx-swap-oob="innerHTML">{}</div>'


def render_page(
    template: str, *, fragment: str | None = None, status: int = 200, **context: object
) -> tuple[str, int]:
    """`template` as a whole page, or `fragment` (a partial of the same page) when htmx asks
    for one. Boosted navigations and history restores get the whole page (see htmx.py)."""
    chosen = fragment if fragment and is_htmx() else template
    return render_template(chosen, **context), status


def form_status(form: FlaskForm) -> int:
    """200 for a fresh form, 422 for one sent back with errors (htmx swaps 422 answers, see
    base.html's htmx-config)."""
    return 422 if form.is_submitted() else 200


def render_form(
    template: str, form: FlaskForm, *, fragment: str | None = None, status: int | None = None,
    **context: object,
) -> tuple[str, int]:
    """A page with a form, answered with `form_status` unless `status` says otherwise (400
    for a wrong current password)."""
    if status is None:
        status = form_status(form)
    return render_page(template, fragment=fragment, status=status, form=form, **context)


def ask_first(
    template: str, do: Callable[[], object], *, done: str, then: str,
    in_place: Callable[[], ResponseReturnValue] | None = None, **context: object,
) -> ResponseReturnValue:
    """The "are you sure?" page (`template` extends confirm.html) until its button is
    pressed; then `do` it, flash `done` and go to `then`. `in_place` is htmx's answer
    instead, for a change made where the user is (e.g. "" removes the item)."""
    form = ConfirmForm()
    if not form.validate_on_submit():
        return render_template(template, form=form, **context)
    do()
    flash(done, "success")
    if in_place is not None and is_htmx():
        return in_place()
    return redirect(then, code=303)


def add_pending_flashes(response: Response) -> Response:
    """Append the session's waiting flashes to an htmx fragment, out of band into #flashes.

    Redirects, empty answers and HX-Redirects keep them for the next whole page, which shows
    them in its own flash area.
    """
    if (
        "_flashes" not in session
        or not is_htmx()
        or response.status_code in (204, 401)
        or 300 <= response.status_code < 400
        or "HX-Redirect" in response.headers
        or response.mimetype != "text/html"
        or response.direct_passthrough
    ):
        return response
    flashes = render_template("partials/_flashes.html")
    response.set_data(response.get_data() + FLASHES_OOB.format(flashes).encode())
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_pending_flashes)
