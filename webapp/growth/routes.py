"""Growth pages: skills and courses with their learning sessions, and interview practice."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, url_for
from flask.blueprints import BlueprintSetupState
from flask_login import current_user, login_required

from webapp.forms import saved
from webapp.growth import services
from webapp.growth.forms import PracticeForm, ProgressForm, QuestionForm, SkillForm
from webapp.htmx import is_htmx
from webapp.models import PracticeQuestion, Skill
from webapp.ownership import get_owned_or_404
from webapp.rendering import ask_first, render_form, render_page
from webapp.timezones import local_today

bp = Blueprint("growth", __name__, url_prefix="/growth")


@bp.record_once
def _share_the_words(state: BlueprintSetupState) -> None:
    """Pages show statuses, sources and ratings by their words."""
    state.app.jinja_env.globals.update(
        SKILL_STATUSES=services.STATUS_LABELS, SKILL_HEADINGS=services.STATUS_HEADINGS,
        QUESTION_SOURCES=services.QUESTION_SOURCES,
        RATINGS=services.RATINGS,
    )


def _today():
    return local_today(current_user.timezone)


def _back_to(skill: Skill):
    return redirect(url_for("growth.index", _anchor=f"skill-{skill.id}"), code=303)


def _card(skill: Skill, form: ProgressForm | None = None, status: int = 200):
    """A skill's card for htmx; without JS, a page holding the same card."""
    return render_page(
        "growth/progress.html", fragment="growth/partials/skill.html", status=status,
        card=services.skill_card(current_user, skill), progress_form=form, today=_today(),
    )


@bp.get("")
@login_required
def index():
    """Skills and courses by where the user is with them, and a way into practice."""
    return render_page(
        "growth/index.html", overview=services.skills_overview(current_user),
        question_count=services.question_count(current_user), today=_today(),
    )


@bp.route("/skills/new", methods=["GET", "POST"])
@login_required
def new_skill():
    """Add a skill or course."""
    form = SkillForm()
    if saved(form, lambda: services.add_skill(current_user, form.skill_input())):
        flash(f"“{form.name.data.strip()}” added.", "success")
        return redirect(url_for("growth.index"), code=303)
    return render_form("growth/skill_form.html", form, skill=None)


@bp.route("/skills/<id:skill_id>/edit", methods=["GET", "POST"])
@login_required
def edit_skill(skill_id: int):
    """Change one of the user's skills: name, where from, status, progress, notes."""
    skill = get_owned_or_404(Skill, skill_id)
    form = SkillForm()
    if request.method == "GET":
        form.fill(skill)
    if saved(form, lambda: services.update_skill(skill, form.skill_input())):
        flash("Saved.", "success")
        return _back_to(skill)
    return render_form("growth/skill_form.html", form, skill=skill)


@bp.route("/skills/<id:skill_id>/delete", methods=["GET", "POST"])
@login_required
def delete_skill(skill_id: int):
    """Ask, then delete one of the user's skills."""
    skill = get_owned_or_404(Skill, skill_id)
    return ask_first("growth/delete_skill.html", lambda: services.delete_skill(skill),
                     done=f"“{skill.name}” deleted.", then=url_for("growth.index"), skill=skill)


@bp.post("/skills/<id:skill_id>/progress")
@login_required
def progress(skill_id: int):
    """The quick progress update on a skill's card; htmx swaps the card in place."""
    skill = get_owned_or_404(Skill, skill_id)
    form = ProgressForm()
    if not saved(form, lambda: services.set_progress(skill, form.progress.data)):
        return _card(skill, form, status=422)
    flash(f"“{skill.name}” is at {skill.progress}%.", "success")
    return _card(skill) if is_htmx() else _back_to(skill)


@bp.post("/skills/<id:skill_id>/sessions")
@login_required
def log_session(skill_id: int):
    """One tap: a learning session on this skill today, counted toward the week's goal."""
    skill = get_owned_or_404(Skill, skill_id)
    services.log_learning_session(current_user, skill)
    flash(f"Learning session on “{skill.name}” logged for today. It counts toward this "
          "week's learning goal.", "success")
    return _card(skill) if is_htmx() else _back_to(skill)


@bp.route("/questions", methods=["GET", "POST"])
@login_required
def questions():
    """The user's interview question bank, newest first, with a form to add one."""
    form = QuestionForm()
    if saved(form, lambda: services.add_question(current_user, form.question.data)):
        flash("Question added. Practise it whenever you're ready.", "success")
        return redirect(url_for("growth.questions"), code=303)
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), 10_000)
    return render_form("growth/questions.html", form,
                       bank=services.question_page(current_user, page))


@bp.route("/questions/<id:question_id>/edit", methods=["GET", "POST"])
@login_required
def edit_question(question_id: int):
    """Reword one of the user's questions."""
    question = get_owned_or_404(PracticeQuestion, question_id)
    form = QuestionForm(obj=question if request.method == "GET" else None)
    if saved(form, lambda: services.update_question(question, form.question.data)):
        flash("Question saved.", "success")
        return redirect(url_for("growth.questions"), code=303)
    return render_form("growth/question_form.html", form, row=services.question_row(question))


@bp.route("/questions/<id:question_id>/delete", methods=["GET", "POST"])
@login_required
def delete_question(question_id: int):
    """Ask, then delete one of the user's questions with its practice history."""
    question = get_owned_or_404(PracticeQuestion, question_id)
    return ask_first("growth/delete_question.html", lambda: services.delete_question(question),
                     done="Question deleted.", then=url_for("growth.questions"),
                     question=question)


@bp.get("/practise")
@login_required
def practise_next():
    """"Practise one now": the question that most wants practice, with a calm prompt."""
    form = PracticeForm(formdata=None, today=_today())
    return render_page("growth/practise.html", row=services.next_question(current_user),
                       form=form, picked=True, today=_today())


@bp.route("/questions/<id:question_id>/practise", methods=["GET", "POST"])
@login_required
def practise(question_id: int):
    """Practise one question: how it went (1-5) and the day; then on to the next one."""
    question = get_owned_or_404(PracticeQuestion, question_id)
    form = PracticeForm(today=_today())
    if saved(form, lambda: services.record_practice(
            current_user, question, int(form.rating.data), form.practised_on.data)):
        flash("Practice saved. Every run-through makes the real one easier.", "success")
        return redirect(url_for("growth.practise_next"), code=303)
    return render_form("growth/practise.html", form, row=services.question_row(question),
                       picked=False, today=_today())
