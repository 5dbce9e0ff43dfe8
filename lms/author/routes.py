"""Trainers' workspace: courses, lessons and exercises in the browser, try-it, versions,
export and import in the file format of courses/ and exercises/, and per-exercise insight."""
from __future__ import annotations

from flask import (Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select

from .. import db
from ..learn.forms import EmptyForm
from ..markdown import render as render_markdown
from ..models import Course, Exercise, Lesson, Module, Role
from ..services import authoring, content, guard, insight, review
from ..views_common import render, roles_required, state_name
from .forms import ExerciseForm, ImportForm, LessonForm, TryForm

bp = Blueprint("author", __name__, url_prefix="/author")
trainers = roles_required(Role.TRAINER, Role.ADMIN)

NEW_EXERCISE = """slug: my-new-exercise
version: 1
title: {en: "...", fr: "..."}
scenario: {en: "...", fr: "..."}
task: {en: "...", fr: "..."}
pass_mark: 70
criteria:
  - id: quality
    kind: judge
    weight: 100
    label: {en: "...", fr: "..."}
    hint: {en: "...", fr: "..."}
    rubric: {en: "...", fr: "..."}
    levels:
      en: [absent, weak, adequate, good, excellent]
      fr: [absent, faible, correct, bon, excellent]
reference_solution: {en: "...", fr: "..."}
"""


def _allowed(course_id: int) -> bool:
    allowed = review.reviewable_course_ids(db.session(), current_user)
    return allowed is None or course_id in allowed


def _course(slug: str) -> Course:
    course = db.session().exec(select(Course).where(Course.slug == slug)).first()
    if course is None or not _allowed(course.id):
        abort(404)
    return course


def _module(module_id: int) -> Module:
    module = db.session().get(Module, module_id)
    if module is None or not _allowed(module.course_id):
        abort(404)
    return module


def _exercise(slug: str, version: int | None = None) -> Exercise:
    s = db.session()
    query = select(Exercise).where(Exercise.slug == slug)
    row = s.exec(query.where(Exercise.version == version) if version else query.order_by(Exercise.version.desc())).first()
    if row is None or row.module_id is None:
        abort(404)
    _module(row.module_id)
    return row


@bp.route("/")
@trainers
def index():
    s = db.session()
    courses = [c for c in s.exec(select(Course).order_by(Course.position)) if _allowed(c.id)]
    tree = []
    for c in courses:
        modules = []
        for m in s.exec(select(Module).where(Module.course_id == c.id).order_by(Module.position)):
            lessons = list(s.exec(select(Lesson).where(Lesson.module_id == m.id).order_by(Lesson.position)))
            versions = list(s.exec(select(Exercise).where(Exercise.module_id == m.id)
                                   .order_by(Exercise.exam, Exercise.position, Exercise.slug, Exercise.version)))
            modules.append((m, lessons, versions))
        tree.append((c, modules))
    problems = content.check(current_app.config["CONTENT_DIR"]) if current_user.has_role(Role.ADMIN) else []
    return render_template("author/index.html", tree=tree, problems=problems, form=EmptyForm(),
                           import_form=ImportForm())


@bp.route("/courses/<slug>/status", methods=["POST"])
@trainers
def course_status(slug: str):
    course = _course(slug)
    status = request.form.get("status")
    if not EmptyForm().validate_on_submit() or status not in authoring.STATUSES:
        abort(400)
    course.status = status
    s = db.session()
    s.add(course)
    review.audit(s, current_user.id, f"course.{status}", f"course:{slug}")
    s.commit()
    flash(_("The course is now: %(status)s.", status=state_name(status)), "success")
    return redirect(url_for("author.index"))


@bp.route("/courses/<slug>/export.zip")
@trainers
def export(slug: str):
    data = authoring.export_zip(db.session(), _course(slug))
    return Response(data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{slug}.zip"'})


@bp.route("/import", methods=["POST"])
@trainers
def import_files():
    form = ImportForm()
    if not form.validate_on_submit():
        flash(_("Choose a zip file to import."), "error")
        return redirect(url_for("author.index"))
    try:
        result = authoring.import_zip(db.session(), current_user, form.archive.data.read())
    except authoring.AuthoringError as exc:
        flash(str(exc), "error")
        return redirect(url_for("author.index"))
    if result.problems:
        return render_template("author/import_problems.html", problems=result.problems), 400
    flash(_("Imported: %(courses)d course(s), %(new)d new exercise version(s), %(updated)d updated.",
            courses=result.summary.courses, new=result.summary.exercises_created,
            updated=result.summary.exercises_updated), "success")
    return redirect(url_for("author.index"))


@bp.route("/lessons/<int:lesson_id>", methods=["GET", "POST"])
@trainers
def lesson(lesson_id: int):
    s = db.session()
    row = s.get(Lesson, lesson_id)
    if row is None:
        abort(404)
    module = _module(row.module_id)
    form = LessonForm(data={"title_en": row.title["en"], "title_fr": row.title["fr"], "minutes": row.minutes,
                            "body_en": row.body["en"], "body_fr": row.body["fr"]} if request.method == "GET" else None)
    error = None
    if form.validate_on_submit():
        try:
            authoring.update_lesson(s, current_user, row, {"en": form.title_en.data, "fr": form.title_fr.data},
                                    {"en": form.body_en.data, "fr": form.body_fr.data}, form.minutes.data)
        except authoring.AuthoringError as exc:
            error = str(exc)
        else:
            flash(_("Lesson saved."), "success")
            return redirect(url_for("author.lesson", lesson_id=row.id))
    elif request.method == "POST":
        error = _("Check the fields marked in red.")
    return render_template("author/lesson.html", lesson=row, module=module, form=form, error=error), \
        400 if error else 200


@bp.route("/preview", methods=["POST"])
@trainers
def preview():
    """Markdown rendered and sanitised exactly as learners will see it (htmx live preview)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    text = next((v for k, v in request.form.items() if k.startswith("body_")), "")
    return render("author/_preview.html", "author/_preview.html", html=render_markdown(text[:100_000]))


@bp.route("/modules/<int:module_id>/exercises/new", methods=["GET", "POST"])
@trainers
def new_exercise(module_id: int):
    module = _module(module_id)
    form = ExerciseForm(data={"source": NEW_EXERCISE} if request.method == "GET" else None)
    return _save(form, module, None)


@bp.route("/exercises/<slug>", methods=["GET", "POST"])
@trainers
def exercise(slug: str):
    row = _exercise(slug, request.args.get("version", type=int))
    form = ExerciseForm(data={"source": row.source} if request.method == "GET" else None)
    return _save(form, db.session().get(Module, row.module_id), row)


def _save(form: ExerciseForm, module: Module, row: Exercise | None):
    error = None
    if form.validate_on_submit():
        try:
            saved = authoring.save_exercise(db.session(), current_user, form.source.data, module)
        except authoring.AuthoringError as exc:
            error = str(exc)
        else:
            flash(_("Saved as version %(v)d (%(status)s).", v=saved.version, status=state_name(saved.status)), "success")
            return redirect(url_for("author.exercise", slug=saved.slug, version=saved.version))
    elif request.method == "POST":
        error = _("The exercise file is empty.")
    versions = list(db.session().exec(select(Exercise).where(Exercise.slug == row.slug)
                                      .order_by(Exercise.version))) if row else []
    spec = content.exercise_spec(row) if row else None
    return render_template("author/exercise.html", form=form, row=row, module=module, versions=versions,
                           spec=spec, error=error, try_form=TryForm(), status_form=EmptyForm()), \
        400 if error else 200


@bp.route("/exercises/<slug>/v<int:version>/status", methods=["POST"])
@trainers
def exercise_status(slug: str, version: int):
    row = _exercise(slug, version)
    status = request.form.get("status")
    if not EmptyForm().validate_on_submit() or status not in authoring.STATUSES:
        abort(400)
    authoring.set_status(db.session(), current_user, row, status)
    flash(_("Version %(v)d is now: %(status)s.", v=row.version, status=state_name(status)), "success")
    return redirect(url_for("author.exercise", slug=slug, version=version))


@bp.route("/exercises/<slug>/v<int:version>.yaml")
@trainers
def exercise_file(slug: str, version: int):
    row = _exercise(slug, version)
    return Response(row.source, mimetype="application/yaml",
                    headers={"Content-Disposition": f'attachment; filename="{slug}.yaml"'})


@bp.route("/exercises/<slug>/v<int:version>/try", methods=["POST"])
@trainers
def try_it(slug: str, version: int):
    row = _exercise(slug, version)
    form = TryForm()
    if not form.validate_on_submit():
        abort(400)
    spec = content.exercise_spec(row)
    prompt, lang = form.prompt.data or "", g.lang
    sample_id = request.form.get("sample")
    if sample_id:
        sample = next((x for x in spec.calibration if x.id == sample_id), None)
        if sample is None:
            abort(400)
        prompt, lang = sample.prompt, sample.lang
    if not prompt.strip():
        return render("author/try_result.html", "author/_try.html", report=None, row=row,
                      error=_("Paste a submission or pick a calibration sample."))
    report = authoring.try_it(spec, prompt, lang, current_app.extensions["llm"],
                              guard.outbound_function(db.session()))
    return render("author/try_result.html", "author/_try.html", report=report, error=None, row=row,
                  criteria={c.id: c for c in spec.criteria}, sample_id=sample_id,
                  expected=next((x for x in spec.calibration if x.id == sample_id), None))


@bp.route("/exercises/<slug>/insight")
@trainers
def exercise_insight(slug: str):
    row = _exercise(slug)
    spec = content.exercise_spec(row)
    labels = {c.id: c.label.get(g.lang) or c.label["en"] for c in spec.criteria}
    return render_template("author/insight.html", row=row, data=insight.exercise_insight(db.session(), slug),
                           labels=labels, trend=insight.agreement_over_time(db.session(), slug))
