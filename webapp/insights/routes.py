"""The Insights page: server-rendered SVG charts, each with a text alternative and a table;
the mood chart's range switch answers htmx with that chart alone."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required

from webapp.htmx import is_htmx
from webapp.insights import figures, services

bp = Blueprint("insights", __name__, url_prefix="/insights")


@bp.record_once
def _share_the_pictures(state: BlueprintSetupState) -> None:
    """The Insights templates draw their charts with these."""
    state.app.jinja_env.globals.update(
        mood_chart=figures.mood_chart, pixel_chart=figures.pixel_chart,
        self_care_chart=figures.self_care_chart, resilience_chart=figures.resilience_chart,
        what_works_chart=figures.what_works_chart, mood_word=services.mood_word,
        short_date=figures.short_date, insight_ranges=services.RANGES,
    )


@bp.get("")
@login_required
def index():
    """Mood over time (?range=30, 90 or 365 days), the year in pixels, self-care and mood,
    resilience after rejections, what works, and this month's check-ins."""
    range_days = services.parse_range(request.args.get("range")) or abort(404)
    if is_htmx():
        trend = services.mood_over_time(current_user, range_days)
        return render_template("insights/partials/mood.html", trend=trend)
    page = services.insights_page(current_user, range_days)
    return render_template("insights/index.html", page=page, trend=page.trend)
