"""Applications pages: the list with its funnel and search, adding and editing, stages, the
rejection flow, and asking for feedback."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required

from webapp.applications import feedback as asking
from webapp.applications import flow, services
from webapp.applications.forms import (
    ApplicationForm,
    AskedForm,
    DeleteForm,
    FeedbackForm,
    ForwardForm,
    HappenedForm,
    LessonForm,
    NewApplicationForm,
    NewRejectionForm,
    NotPersonalForm,
    ReframeForm,
    StageForm,
    ThoughtForm,
)
from webapp.applications.services import ApplicationProblem
from webapp.applications.words import (
    EXCITEMENT,
    NEXT_ACTIONS,
    REFLECTION,
    STAGE_EVENTS,
    STAGE_LABELS,
    THINKING_TRAPS,
    steps_to_yes_words,
)
from webapp.checkins.forms import QuickCheckinForm
from webapp.forms import ConfirmForm
from webapp.htmx import is_htmx
from webapp.models import Application, JournalEntry
from webapp.ownership import get_owned_or_404
from webapp.rendering import render_form, render_page
from webapp.timezones import local_today

bp = Blueprint("applications", __name__, url_prefix="/applications")

# Each step of the rejection flow: its form, and the service that saves it.
STEP_FORMS = {
    "happened": (HappenedForm, flow.save_happened),
    "not-personal": (NotPersonalForm, flow.save_not_personal),
    "thought": (ThoughtForm, flow.save_thought),
    "reframe": (ReframeForm, flow.save_reframe),
    "lesson": (LessonForm, flow.save_lesson),
    "feedback": (AskedForm, flow.save_feedback_asked),
    "forward": (ForwardForm, flow.finish),
}
assert tuple(STEP_FORMS) == flow.STEP_KEYS


@bp.record_once
def _share_the_words(state: BlueprintSetupState) -> None:
    """Stage names and the flow's lists, for any page that shows an application (Today
    too); `has_endpoint` lets a page link to People only once People exists."""
    state.app.jinja_env.globals.update(
        STAGE_LABELS=STAGE_LABELS, STAGE_EVENTS=STAGE_EVENTS, EXCITEMENT=EXCITEMENT,
        THINKING_TRAPS=THINKING_TRAPS, NEXT_ACTIONS=NEXT_ACTIONS,
        steps_to_yes_words=steps_to_yes_words,
        has_endpoint=lambda name: name in current_app.view_functions,
    )


def _today() -> date:
    """Today on the signed-in user's calendar (date pickers stop there)."""
    return local_today(current_user.timezone)


@bp.get("")
@login_required
def index():
    """The user's applications: the funnel, a stage filter, search (htmx swaps the results
    as they type, and the URL follows), one page at a time."""
    listing = services.search_applications(
        current_user, stage=request.args.get("stage"), query=request.args.get("q", ""),
        page=request.args.get("page", 1, type=int) or 1,
    )
    return render_page(
        "applications/index.html", fragment="applications/partials/results.html",
        listing=listing, funnel=services.funnel(current_user),
        form=NewApplicationForm(formdata=None),
    )


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    """Add an application: company and role are enough, the rest can come later."""
    form = NewApplicationForm()
    if form.validate_on_submit():
        try:
            application = services.create_application(
                current_user, form.application_input(), stage=form.chosen_stage
            )
        except ApplicationProblem as problem:
            form.refuse(problem)
        else:
            flash(f"Added {application.role} at {application.company}.", "success")
            return redirect(url_for(".detail", application_id=application.id), code=303)
    return render_form("applications/form.html", form, application=None, today=_today())


@bp.get("/<id:application_id>")
@login_required
def detail(application_id: int):
    """One of the user's applications: what they noted, where it stands, its timeline."""
    application = get_owned_or_404(Application, application_id)
    stage_form = StageForm(formdata=None)
    stage_form.suggest(application, _today())
    return render_template(
        "applications/detail.html", view=services.application_view(current_user, application),
        stage_form=stage_form, confirm=ConfirmForm(),
    )


@bp.route("/<id:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit(application_id: int):
    """Change what the user noted about one of their applications."""
    application = get_owned_or_404(Application, application_id)
    form = ApplicationForm()
    if request.method == "GET":
        form.fill(application)
    if form.validate_on_submit():
        try:
            services.update_application(current_user, application, form.application_input())
        except ApplicationProblem as problem:
            form.refuse(problem)
        else:
            flash("Saved.", "success")
            return redirect(url_for(".detail", application_id=application.id), code=303)
    return render_form("applications/form.html", form, application=application, today=_today())


@bp.route("/<id:application_id>/delete", methods=["GET", "POST"])
@login_required
def delete(application_id: int):
    """Ask, then delete one of the user's applications; their reflections on it stay in
    the journal unless they tick the box."""
    application = get_owned_or_404(Application, application_id)
    form = DeleteForm()
    if form.validate_on_submit():
        kept = services.delete_application(
            current_user, application, with_reflections=form.with_reflections.data
        )
        note = f" Your reflections on it ({kept}) are still in your journal." if kept else ""
        flash(f"Deleted {application.role} at {application.company}.{note}", "success")
        return redirect(url_for(".index"), code=303)
    return render_template("applications/delete.html", application=application, form=form)


@bp.route("/<id:application_id>/stage", methods=["GET", "POST"])
@login_required
def move(application_id: int):
    """Move one of the user's applications to another stage, today or on an earlier day.
    A move to "rejected" offers the rejection flow."""
    application = get_owned_or_404(Application, application_id)
    form = StageForm()
    if request.method == "GET":
        form.suggest(application, _today())
    if form.validate_on_submit():
        try:
            services.move_application(current_user, application, form.stage.data, form.day.data)
        except ApplicationProblem as problem:
            form.refuse(problem)
        else:
            flash(f"Moved to “{STAGE_LABELS[application.stage]}”.", "success")
            return redirect(url_for(".detail", application_id=application.id), code=303)
    return render_form("applications/move.html", form, application=application, today=_today())


@bp.post("/<id:application_id>/no-reply")
@login_required
def mark_no_reply(application_id: int):
    """One tap on "no reply?": the application ends as "no reply" today. htmx swaps the
    list row in place."""
    application = get_owned_or_404(Application, application_id)
    if not ConfirmForm().validate_on_submit():
        abort(422, "That can't be changed now. Please reload the page.")
    try:
        services.mark_no_reply(current_user, application)
    except ApplicationProblem as problem:
        abort(422, str(problem))
    if is_htmx():
        return render_template("applications/partials/row.html", application=application)
    flash("Marked as no reply. It counts as a step to yes.", "success")
    return redirect(url_for(".detail", application_id=application.id), code=303)


# --- The rejection flow -----------------------------------------------------------------------


def _to_step(entry: JournalEntry, key: str):
    """After starting the flow: the page of its step `key`."""
    return redirect(url_for(".reflection", reflection_id=entry.id, step=key), code=303)


@bp.route("/<id:application_id>/rejected", methods=["GET", "POST"])
@login_required
def rejected(application_id: int):
    """"Mark rejected": step 1 of the rejection flow for one of the user's applications.
    A reflection it already has is taken up again."""
    application = get_owned_or_404(Application, application_id)
    form = HappenedForm()
    if request.method == "GET":
        form.suggest(application, current_user.timezone, _today())
    if form.validate_on_submit():
        try:
            entry = flow.start_reflection(current_user, application, form.step_input())
        except ApplicationProblem as problem:
            form.refuse(problem)
        else:
            return _to_step(entry, "not-personal")
    return render_form("applications/rejected.html", form, application=application,
                       today=_today())


@bp.route("/rejection", methods=["GET", "POST"])
@login_required
def rejection():
    """"I got a rejection" (from Today): pick the application, or name a new one, then the
    rejection flow."""
    form = NewRejectionForm()
    form.offer(services.open_applications(current_user))
    if request.method == "GET":
        form.day.data = _today()
    if form.validate_on_submit():
        try:
            entry = flow.start_from_today(current_user, form.chosen_id, form.company.data or "",
                                          form.role.data or "", form.step_input())
        except ApplicationProblem as problem:
            form.refuse(problem)
        else:
            return _to_step(entry, "not-personal")
    return render_form("applications/rejection.html", form, today=_today())


def _reflection_or_404(reflection_id: int) -> JournalEntry:
    entry = get_owned_or_404(JournalEntry, reflection_id)
    if entry.kind != REFLECTION:
        abort(404)
    return entry


def _step_page(entry: JournalEntry, key: str | None, form=None, headers=None):
    """The reflection's page at one step; for htmx, only the step. Without `form`, the
    step's answers so far, with a 200 even after a POST (the step that follows a save)."""
    view = flow.step_view(current_user, entry, key)
    status = None
    if form is None:
        form, status = STEP_FORMS[view.step.key][0](formdata=None), 200
        form.fill(view.record)
    # A finished flow ends on Today's one-tap mood picker.
    checkin_form = QuickCheckinForm(formdata=None) if view.todays is not None else None
    body, status = render_form(
        "applications/reflection.html", form, fragment="applications/partials/step.html",
        status=status, view=view, today=_today(), checkin_form=checkin_form,
    )
    return body, status, headers or {}


@bp.get("/reflections/<id:reflection_id>")
@login_required
def reflection(reflection_id: int):
    """One of the user's reflections, at the step asked for (the first by default)."""
    return _step_page(_reflection_or_404(reflection_id), request.args.get("step"))


STEP_RULE = "<any(" + ", ".join(f'"{key}"' for key in flow.STEP_KEYS) + "):step>"


@bp.post(f"/reflections/<id:reflection_id>/{STEP_RULE}")
@login_required
def save_step(reflection_id: int, step: str):
    """Save one step of a reflection. htmx swaps in the step that follows (and the URL
    follows it); without JS the page moves on."""
    entry = _reflection_or_404(reflection_id)
    form_class, save = STEP_FORMS[step]
    form = form_class()
    if form.validate_on_submit():
        try:
            save(current_user, entry, form.step_input())
        except ApplicationProblem as problem:
            form.refuse(problem)
        else:
            following = flow.step_after(step, entry.thought_record).key
            url = url_for(".reflection", reflection_id=entry.id, step=following)
            if not is_htmx():
                return redirect(url, code=303)
            return _step_page(entry, following, headers={"HX-Push-Url": url})
    return _step_page(entry, step, form)


# --- Asking for feedback ----------------------------------------------------------------------


@bp.route("/<id:application_id>/feedback", methods=["GET", "POST"])
@login_required
def feedback(application_id: int):
    """A drafted request for feedback to copy or send, and what came of it."""
    application = get_owned_or_404(Application, application_id)
    form = FeedbackForm()
    if request.method == "GET":
        form.fill(application)
    if form.validate_on_submit():
        try:
            added = asking.save_feedback(current_user, application, form.feedback_input())
        except ApplicationProblem as problem:
            form.refuse(problem)
        else:
            practice = (f" {added} question{'s' if added != 1 else ''} added to your interview "
                        "practice in Growth." if added else "")
            flash(f"Saved.{practice}", "success")
            return redirect(url_for(".detail", application_id=application.id), code=303)
    draft = asking.draft_request(application, current_user.display_name)
    return render_form("applications/feedback.html", form, application=application,
                       draft=draft, asked=ConfirmForm(), today=_today())


@bp.post("/<id:application_id>/feedback/asked")
@login_required
def feedback_asked(application_id: int):
    """One tap: the user sent the request for feedback today. htmx swaps the status."""
    application = get_owned_or_404(Application, application_id)
    if not ConfirmForm().validate_on_submit():
        abort(422, "That can't be changed now. Please reload the page.")
    asking.mark_requested(current_user, application)
    if is_htmx():
        return render_template("applications/partials/feedback_asked.html",
                               application=application, asked=ConfirmForm())
    flash("Noted: you asked today. Well done for asking.", "success")
    return redirect(url_for(".feedback", application_id=application.id), code=303)
