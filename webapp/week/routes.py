"""Week pages: this week's goals and progress, one-tap logging with undo, setting the
targets, and the weekly review with its history."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required
from werkzeug.routing import BaseConverter, ValidationError

from webapp.forms import ConfirmForm
from webapp.htmx import is_htmx
from webapp.models import Activity
from webapp.ownership import get_owned_or_404
from webapp.rendering import ask_first, render_form, render_page
from webapp.timezones import local_today
from webapp.week import services
from webapp.week.forms import QUESTIONS, GoalsForm, LogActivityForm, review_form_for
from webapp.week.weeks import parse_week

bp = Blueprint("week", __name__, url_prefix="/week")

LOGGED = {
    "networking": "Logged: a networking event or conversation. Reaching out takes courage.",
    "learning": "Logged: a learning session. Every bit of learning adds up.",
}


class MondayConverter(BaseConverter):
    """`<monday:...>` in a URL: a week, named by its Monday (YYYY-MM-DD) between 2000 and
    2100. Any other day, or an absurd year, is a 404 before the view runs."""

    regex = r"\d{4}-\d{2}-\d{2}"

    def to_python(self, value: str) -> date:
        week = parse_week(value)
        if week is None:
            raise ValidationError()
        return week

    def to_url(self, value: date | str) -> str:
        return value.isoformat() if isinstance(value, date) else str(value)


@bp.record_once
def _weeks_in_urls(state: BlueprintSetupState) -> None:
    """Registered before this blueprint's rules are added (deferred functions run in order)."""
    state.app.url_map.converters["monday"] = MondayConverter


def _this_week(form: LogActivityForm, *, status: int):
    """The Week page, or for htmx only its live part (goals, logging, the log)."""
    return render_page(
        "week/index.html", fragment="week/partials/now.html", status=status,
        form=form, confirm=ConfirmForm(), **vars(services.this_week(current_user)),
    )


@bp.get("")
@login_required
def index():
    """This week: goals and progress, one-tap logging, and what was logged."""
    return _this_week(LogActivityForm(formdata=None), status=200)


@bp.post("/activities")
@login_required
def log_activity():
    """One tap: log a networking event or conversation, or a learning session, today."""
    form = LogActivityForm()
    if form.validate_on_submit():
        try:
            services.log_activity(current_user, form.kind.data,
                                  day=local_today(current_user.timezone), note=form.note.data)
        except services.WeekProblem as problem:
            form.note.errors.append(str(problem))
        else:
            flash(LOGGED[form.kind.data], "success")
            if not is_htmx():
                return redirect(url_for("week.index"), code=303)
            return _this_week(LogActivityForm(formdata=None), status=201)
    return _this_week(form, status=422)


@bp.route("/activities/<id:activity_id>/delete", methods=["GET", "POST"])
@login_required
def delete_activity(activity_id: int):
    """Ask, then take one of the user's logged activities off the log (undo)."""
    activity = get_owned_or_404(Activity, activity_id)
    return ask_first("week/delete_activity.html", lambda: services.delete_activity(activity),
                     done="Taken off the log.", then=url_for("week.index"),
                     in_place=lambda: _this_week(LogActivityForm(formdata=None), status=200),
                     activity=activity)


@bp.route("/goals", methods=["GET", "POST"])
@login_required
def goals():
    """Set this week's targets and rest days; they start from last week's."""
    week_start = services.current_week(current_user)
    form = GoalsForm()
    if request.method == "GET":
        form.fill_targets(services.targets_for(current_user, week_start))
    if form.validate_on_submit():
        try:
            services.set_targets(current_user, week_start, form.targets())
        except services.WeekProblem as problem:
            form.applications_target.errors.append(str(problem))
        else:
            flash("This week's goals are set. Go gently.", "success")
            return redirect(url_for("week.index"), code=303)
    return render_form("week/goals.html", form, week_start=week_start)


@bp.route("/review", methods=["GET", "POST"])
@login_required
def review():
    """Look back on a week (this one unless ?week= names an earlier Monday) and set next
    week's targets."""
    week_start = services.reviewable_week(current_user, request.args.get("week")) or abort(404)
    draft = services.review_draft(current_user, week_start)
    form = review_form_for(draft, fill=request.method == "GET")
    if form.validate_on_submit():
        try:
            services.save_review(current_user, week_start, form.answers(), form.next_targets())
        except services.WeekProblem as problem:
            form.went_well.errors.append(str(problem))
        else:
            flash("Review saved. Thank you for taking the time.", "success")
            return redirect(url_for("week.read_review", week_start=week_start), code=303)
    return render_form("week/review.html", form, draft=draft)


@bp.get("/reviews")
@login_required
def reviews():
    """The user's weekly reviews, newest week first."""
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)
    return render_template("week/reviews.html", reviews=services.reviews_page(current_user, page))


@bp.get("/reviews/<monday:week_start>")
@login_required
def read_review(week_start: date):
    """One of the user's weekly reviews, with how that week went."""
    review = services.review_for(current_user, week_start) or abort(404)
    return render_template(
        "week/read_review.html", review=review, questions=QUESTIONS,
        progress=services.week_progress(current_user, week_start),
    )
