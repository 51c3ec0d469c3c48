"""Today: the home screen, where the daily check-in happens."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from webapp.checkins.forms import QuickCheckinForm
from webapp.today.services import today_view

# The home screen is the one page at the root of the site.
bp = Blueprint("today", __name__, url_prefix="/")


@bp.get("/")
@login_required
def index():
    """The signed-in user's day: mood picker, today's check-ins and self-care."""
    view = today_view(current_user)
    return render_template("today/index.html", form=QuickCheckinForm(), **vars(view))
