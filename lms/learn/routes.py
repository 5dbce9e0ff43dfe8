"""The learner's pages: dashboard, courses, lessons, exercises, attempts, certificates."""
from __future__ import annotations


from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import func, select

from graders import LLMError, run_target

from .. import db
from ..models import Appeal, Attempt, Course, Exercise, Lesson, Module, Role, TargetRun
from ..services import (budgets, certification, content_cache, drafts, exams, feedback, grading, guard, next_steps,
                        progress, review)
from ..services.content import exercise_spec
from ..views_common import render, wants_partial
from . import page_cache
from .forms import EmptyForm, PromptForm

bp = Blueprint("learn", __name__)


def _course(slug: str) -> Course:
    course = db.session().exec(select(Course).where(Course.slug == slug, Course.status == "published")).first()
    if course is None:
        abort(404)
    return course


def _exercise(slug: str) -> tuple[Exercise, Module, Course]:
    """The current practice exercise of this slug, its module and its published course, in one query."""
    row = db.session().exec(select(Exercise, Module, Course)
                            .join(Module, Module.id == Exercise.module_id).join(Course, Course.id == Module.course_id)
                            .where(Exercise.slug == slug, Exercise.current == True,  # noqa: E712
                                   Exercise.exam == False)).first()  # noqa: E712
    if row is None or not row[2].published:
        abort(404)
    return tuple(row)


def _modules(course: Course, learner: progress.Record) -> list[dict]:
    """The course's modules with what the learner did in each; the structure from the content cache."""
    outline = content_cache.outline(db.session(), course.slug)
    modules = []
    for m in outline.modules:
        quiz = next((q for q in outline.quizzes if q.module_id == m.id), None)
        modules.append({"module": m,
                        "lessons": [(x, x.id in learner.lessons) for x in outline.lessons if x.module_id == m.id],
                        "exercises": [(e, e.slug in learner.exercises) for e in outline.exercises if e.module_id == m.id],
                        "quiz": quiz, "quiz_passed": bool(quiz and quiz.id in learner.quizzes)})
    return modules


@bp.route("/")
@login_required
def dashboard():
    s = db.session()
    courses = list(s.exec(select(Course).where(Course.status == "published").order_by(Course.position)))
    learner = progress.record(s, current_user.id)
    certificates = certification.held(s, current_user.id)
    rows = [(c, progress.course_progress(s, current_user.id, c, learner=learner, held=certificates))
            for c in courses]
    attempts = list(s.exec(select(Attempt, Exercise).join(Exercise)
                           .where(Attempt.user_id == current_user.id)
                           .order_by(Attempt.created_at.desc()).limit(5)))
    return render_template("learn/dashboard.html", rows=rows, certificates=certificates,
                           attempts=attempts, llm_ready=current_app.extensions["llm"].configured,
                           tracks=next_steps.plan(s, current_user.id, learner=learner, held=certificates),
                           notifications=review.unread(s, current_user.id), form=EmptyForm())


@bp.route("/courses/<slug>")
@login_required
def course(slug: str):
    c = _course(slug)
    s = db.session()
    learner = progress.record(s, current_user.id)
    return render_template("learn/course.html", course=c, modules=_modules(c, learner),
                           progress=progress.course_progress(s, current_user.id, c, learner=learner),
                           certificate=certification.current_certificate(s, current_user.id, c.id),
                           renewing=certification.renewal_of(s, current_user.id, c),
                           exam=exams.state(s, current_user.id, c) if c.exam else None)


@bp.route("/courses/<slug>/<module_slug>/<lesson_slug>")
@login_required
def lesson(slug: str, module_slug: str, lesson_slug: str):
    """Content from the content cache, the page from the page cache (see services/content_cache.py and
    page_cache.py). In a course without an exam, the page is keyed on the learner's progress version
    (read with the account) and a page from memory reads no progress rows; with an exam, whose state
    also changes with time (a renewal window opening), on the progress itself, read at each view."""
    outline = content_cache.request_outline(slug)
    module = outline.module(module_slug) if outline is not None and outline.published else None
    lesson_item, nxt = outline.lesson(module.id, lesson_slug) if module else (None, None)
    if lesson_item is None:
        abort(404)
    if outline.version is None:  # a database older than content versions: the next page is from memory
        content_cache.create_version(db.session())

    def page() -> dict:
        s = db.session()
        learner = progress.record(s, current_user.id)
        return {"course": outline, "module": module, "lesson": lesson_item, "done": lesson_item.id in learner.lessons,
                "progress": progress.course_progress(s, current_user.id, outline, learner=learner),
                "next_lesson": nxt, "next_module": outline.module_by_id(nxt.module_id) if nxt else None}

    if not outline.version:
        return page_cache.render("learn/lesson.html", None, page)
    if not outline.exam:
        return page_cache.render("learn/lesson.html", (outline.version, lesson_item.id, current_user.progress_version),
                                 page)
    context = page()
    return page_cache.render("learn/lesson.html", (outline.version, lesson_item.id, context["done"],
                                                   context["progress"]), lambda: context)


@bp.route("/lessons/<int:lesson_id>/done", methods=["POST"])
@login_required
def lesson_done(lesson_id: int):
    s = db.session()
    lesson_row = s.get(Lesson, lesson_id)
    if lesson_row is None:
        abort(404)
    module = s.get(Module, lesson_row.module_id)
    c = _course(s.get(Course, module.course_id).slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    progress.mark_lesson_done(s, current_user.id, lesson_row)
    new_cert = certification.issue_if_complete(s, current_user.id, c)
    if wants_partial():
        return render("learn/lesson.html", "learn/_lesson_done.html", course=c, lesson=lesson_row,
                      done=True, progress=progress.course_progress(s, current_user.id, c),
                      new_certificate=new_cert)
    if new_cert:
        flash(_("Congratulations: your certificate has been issued."), "success")
    return redirect(url_for("learn.lesson", slug=c.slug, module_slug=module.slug, lesson_slug=lesson_row.slug))


ATTEMPTS_SHOWN = 20


def _attempts(exercise_slug: str) -> list[tuple[Attempt, Exercise]]:
    """The learner's most recent attempts at this exercise, newest first (ATTEMPTS_SHOWN + 1, to
    know whether there are more)."""
    return list(db.session().exec(select(Attempt, Exercise).join(Exercise)
                                  .where(Attempt.user_id == current_user.id, Exercise.slug == exercise_slug)
                                  .order_by(Attempt.created_at.desc(), Attempt.id.desc())
                                  .limit(ATTEMPTS_SHOWN + 1)))


def _attempts_total(exercise_slug: str) -> int:
    return db.session().exec(select(func.count()).select_from(Attempt).join(Exercise)
                             .where(Attempt.user_id == current_user.id, Exercise.slug == exercise_slug)).one()


def _exercise_page(exercise, module, course, form=None, status=200, run=None, error=None, exam_session=None):
    """The exercise page; without a form (a first visit), the editor holds the learner's draft."""
    spec = exercise_spec(exercise)
    attempts = [] if exam_session else _attempts(exercise.slug)
    total = _attempts_total(exercise.slug) if len(attempts) > ATTEMPTS_SHOWN else len(attempts)
    draft = None if exam_session else drafts.get(db.session(), current_user.id, exercise.slug)
    if form is None:
        form = PromptForm(data={"prompt": draft.text} if draft else None)
    return render_template("learn/exercise.html", exercise=exercise, spec=spec, module=module,
                           course=course, form=form, run=run, error=error, exam_session=exam_session,
                           attempts=attempts[:ATTEMPTS_SHOWN], attempts_total=total, draft=draft,
                           previous=_previous(attempts),
                           limits=feedback.length_limits(spec),
                           llm_ready=current_app.extensions["llm"].configured,
                           max_chars=current_app.config["MAX_PROMPT_CHARS"]), status


def _previous(attempts: list[tuple[Attempt, Exercise]]) -> dict | None:
    """The learner's last attempt, its rubric and the lessons of its criteria (shown beside the editor)."""
    if not attempts:
        return None
    attempt, exercise_row = attempts[0]
    spec = exercise_spec(exercise_row)
    return {"attempt": attempt, "exercise": exercise_row, "criteria": {c.id: c for c in spec.criteria},
            "help": feedback.criteria_help(db.session(), exercise_row, spec, g.lang)}


@bp.route("/exercises/<slug>")
@login_required
def exercise(slug: str):
    return _exercise_page(*_exercise(slug))


@bp.route("/exercises/<slug>/run", methods=["POST"])
@login_required
def run(slug: str):
    """Run the learner's prompt on the target model, without grading it."""
    exercise_row, module, c = _exercise(slug)
    form = PromptForm()
    if not form.validate_on_submit():
        abort(400)
    spec = exercise_spec(exercise_row)
    result = {"output": None, "error": None, "completion": None, "guard": None}
    llm = current_app.extensions["llm"]
    s = db.session()
    try:
        prompt = grading.clean_prompt(form.prompt.data, current_app.config["MAX_PROMPT_CHARS"])
        result["guard"] = checked = guard.check(s, prompt)
        if spec.target is None:
            result["error"] = _("This exercise does not run your prompt on a model: submit it to have it graded.")
        elif not llm.configured:
            result["error"] = _("No model is configured on this platform, so prompts cannot be run. "
                                "You can still submit your prompt: a trainer will grade it.")
        elif checked.outbound is None:
            result["error"] = _("Your prompt was not sent: it contains data that must not leave for an "
                                "external model. Replace it with placeholders, then run it again.")
            s.add(TargetRun(user_id=current_user.id, exercise_id=exercise_row.id, findings=checked.kinds,
                            policy=checked.policy, sent=False))
            s.commit()
        else:
            target_run = budgets.reserve_run(s, current_user.id, TargetRun(
                user_id=current_user.id, exercise_id=exercise_row.id, findings=checked.kinds, policy=checked.policy))
            try:
                completion = run_target(spec, checked.outbound, g.lang, llm)
            except LLMError:
                s.delete(target_run)  # not run: given back
                s.commit()
                raise
            result["output"], result["completion"] = completion.text, completion
            target_run.model, target_run.tokens_in, target_run.tokens_out = (
                completion.model, completion.tokens_in, completion.tokens_out)
            target_run.cost, target_run.latency_ms = completion.cost, completion.latency_ms
            s.commit()
    except (grading.SubmissionError, budgets.BudgetExceeded) as exc:
        result["error"] = str(exc)
    except LLMError:
        result["error"] = _("The model did not answer. Try again in a moment; your prompt is kept.")
    if wants_partial():
        return render("learn/exercise.html", "learn/_run_output.html", run=result)
    return _exercise_page(exercise_row, module, c, form, run=result)


@bp.route("/exercises/<slug>/submit", methods=["POST"])
@login_required
def submit(slug: str):
    exercise_row, module, c = _exercise(slug)
    form = PromptForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        attempt = grading.submit(db.session(), current_user, exercise_row, form.prompt.data, g.lang)
    except grading.SubmissionError as exc:
        return _exercise_page(exercise_row, module, c, form, status=400, error=str(exc))
    drafts.clear(db.session(), current_user.id, exercise_row.slug)
    if grading.queue_was_down():
        flash(str(grading.QUEUE_DOWN_MESSAGE), "info")
    return redirect(url_for("learn.attempt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>")
@login_required
def attempt(attempt_id: int):
    s = db.session()
    row = s.get(Attempt, attempt_id)
    # Learners see their own attempts; trainers those of their courses, admins any. Others get a
    # 404, so that the existence of another person's attempt is not revealed.
    if row is None or (row.user_id != current_user.id and not (
            current_user.has_role(Role.TRAINER, Role.ADMIN) and review.can_review(s, current_user, row))):
        abort(404)
    exercise_row = s.get(Exercise, row.exercise_id)
    spec = exercise_spec(exercise_row)
    appeal = s.exec(select(Appeal).where(Appeal.attempt_id == row.id)).first()
    return render("learn/attempt.html", "learn/_report.html", attempt=row, exercise=exercise_row,
                  spec=spec, criteria={c.id: c for c in spec.criteria}, appeal=appeal, form=EmptyForm(),
                  help=feedback.criteria_help(s, exercise_row, spec, g.lang))


@bp.route("/attempts/<int:attempt_id>/appeal", methods=["POST"])
@login_required
def appeal(attempt_id: int):
    s = db.session()
    row = s.get(Attempt, attempt_id)
    if row is None or row.user_id != current_user.id:
        abort(404)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        review.appeal(s, current_user, row, request.form.get("reason", ""))
    except review.ReviewError as exc:
        flash(str(exc), "error")
    else:
        flash(_("Your request is sent: a trainer will review this attempt and you will be notified."), "success")
    return redirect(url_for("learn.attempt", attempt_id=row.id))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notifications_read():
    if not EmptyForm().validate_on_submit():
        abort(400)
    review.mark_read(db.session(), current_user.id)
    return redirect(url_for("learn.dashboard"))


@bp.route("/certificates")
@login_required
def certificates():
    s = db.session()
    rows = certification.held(s, current_user.id)
    from ..models.base import utcnow
    return render_template("learn/certificates.html", certificates=rows, now=utcnow())
