"""Module quizzes and the final exam (registered on the learn blueprint)."""
from __future__ import annotations

from flask import abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlmodel import select

from .. import db
from ..models import Course, ExamSession, Module, Quiz
from ..services import certification, exams, grading, quizzes
from ..services.content import quiz_spec
from .forms import EmptyForm, PromptForm
from .routes import _course, _exercise_page, bp


def _quiz(slug: str, module_slug: str):
    c = _course(slug)
    s = db.session()
    module = s.exec(select(Module).where(Module.course_id == c.id, Module.slug == module_slug)).first()
    quiz = module and s.exec(select(Quiz).where(Quiz.module_id == module.id)).first()
    if not quiz:
        abort(404)
    return c, module, quiz


@bp.route("/courses/<slug>/<module_slug>/quiz", methods=["GET", "POST"])
@login_required
def quiz(slug: str, module_slug: str):
    c, module, quiz_row = _quiz(slug, module_slug)
    s = db.session()
    spec = quiz_spec(quiz_row)
    form = EmptyForm()
    result, answers = None, {}
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        answers = {q.id: request.form.getlist(f"q-{q.id}") for q in spec.questions}
        if not any(answers.values()):
            flash(_("Answer at least one question before submitting."), "error")
            return render_template("learn/quiz.html", course=c, module=module, spec=spec, form=form,
                                   result=None, answers={}, last=None), 400
        _attempt, result = quizzes.submit(s, current_user.id, quiz_row, answers)
        if result.passed:
            certification.issue_if_complete(s, current_user.id, c)
    last = quizzes.last_attempt(s, current_user.id, quiz_row.id) if result is None else None
    return render_template("learn/quiz.html", course=c, module=module, spec=spec, form=form,
                           result=result, answers=answers, last=last)


@bp.route("/courses/<slug>/exam")
@login_required
def exam(slug: str):
    c = _course(slug)
    if not c.exam:
        abort(404)
    s = db.session()
    st = exams.state(s, current_user.id, c)
    drawn = []
    if st.current or st.last:
        sitting = st.current or st.last
        got = exams.answers(s, sitting)
        drawn = [(e, got.get(e.id)) for e in exams.drawn(s, sitting)]
    return render_template("learn/exam.html", course=c, state=st, rules=exams.rules(c), drawn=drawn,
                           sitting=st.current or st.last, form=EmptyForm())


@bp.route("/courses/<slug>/exam/start", methods=["POST"])
@login_required
def exam_start(slug: str):
    c = _course(slug)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        exams.start(db.session(), current_user, c)
    except exams.ExamError as exc:
        flash(str(exc), "error")
    return redirect(url_for("learn.exam", slug=c.slug))


def _exam_exercise(session_id: int, exercise_slug: str):
    s = db.session()
    sitting = s.get(ExamSession, session_id)
    if sitting is None or sitting.user_id != current_user.id:
        abort(404)
    exercise = next((e for e in exams.drawn(s, sitting) if e.slug == exercise_slug), None)
    if exercise is None:
        abort(404)
    module, course = s.get(Module, exercise.module_id), s.get(Course, sitting.course_id)
    if not course.published:
        abort(404)
    return sitting, exercise, module, course


@bp.route("/exams/<int:session_id>/<exercise_slug>", methods=["GET", "POST"])
@login_required
def exam_exercise(session_id: int, exercise_slug: str):
    sitting, exercise, module, c = _exam_exercise(session_id, exercise_slug)
    form = PromptForm()
    if request.method == "GET":
        return _exercise_page(exercise, module, c, form, exam_session=sitting)
    if not form.validate_on_submit():
        abort(400)
    try:
        attempt = grading.submit(db.session(), current_user, exercise, form.prompt.data, g.lang, exam=sitting)
    except (grading.SubmissionError, exams.ExamError) as exc:
        return _exercise_page(exercise, module, c, form, status=400, error=str(exc), exam_session=sitting)
    if grading.queue_was_down():
        flash(str(grading.QUEUE_DOWN_MESSAGE), "info")
    return redirect(url_for("learn.attempt", attempt_id=attempt.id))
