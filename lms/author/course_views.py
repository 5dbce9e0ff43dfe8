"""Courses, modules and lessons created and edited through forms (registered on the author blueprint)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlmodel import select
from wtforms.fields.choices import SelectChoice

from .. import db
from ..learn.forms import EmptyForm
from ..models import Course, Exercise, Lesson
from ..services import course_authoring as ca
from ..services.authoring import AuthoringError
from ..services.quiz_authoring import quiz_of
from .forms import CourseForm, ModuleForm, NewLessonForm
from .routes import _course, _module, bp, trainers


def _course_form(course: Course | None) -> CourseForm:
    s = db.session()
    if request.method == "POST":
        form = CourseForm()
    elif course is None:
        form = CourseForm(formdata=None)
    else:
        cert = course.certification or {}
        requires = cert.get("requires") or {}
        renewal = cert.get("renewal")
        form = CourseForm(formdata=None, data={
            "title_en": course.title.get("en"), "title_fr": course.title.get("fr"),
            "summary_en": course.summary.get("en"), "summary_fr": course.summary.get("fr"),
            "certified": bool(cert), "cert_title_en": (cert.get("title") or {}).get("en"),
            "cert_title_fr": (cert.get("title") or {}).get("fr"), "validity_days": cert.get("validity_days", 730),
            "requires_lessons": requires.get("lessons", "all"), "requires_exercises": requires.get("exercises", "all"),
            "requires_quizzes": requires.get("quizzes", "all"),
            "requires_certificates": list(requires.get("certificates") or []),
            "renewal": renewal is not None, "renewal_days": (renewal or {}).get("window_days", 90),
            "renewal_requires": list((renewal or {}).get("requires") or {"exam": True}),
        })
    others = s.exec(select(Course).where(Course.id != (course.id if course else -1)).order_by(Course.position))
    form.requires_certificates.choices = [SelectChoice(c.slug, f"{c.title.get('en', c.slug)} ({c.slug})") for c in others]
    if course is not None:
        del form.slug  # the identifier names the course's folder and links: it does not change
    return form


def _certification(form: CourseForm, previous: dict | None) -> dict | None:
    return ca.certification(
        form.certified.data, ca.texts(form.cert_title_en.data, form.cert_title_fr.data), form.validity_days.data,
        {"lessons": form.requires_lessons.data, "exercises": form.requires_exercises.data,
         "quizzes": form.requires_quizzes.data},
        form.requires_certificates.data or [], form.renewal_days.data if form.renewal.data else None,
        form.renewal_requires.data or [], previous)


@bp.route("/courses/new", methods=["GET", "POST"])
@trainers
def new_course():
    form = _course_form(None)
    error = None
    if form.validate_on_submit():
        try:
            course = ca.create_course(db.session(), current_user, form.slug.data,
                                      ca.texts(form.title_en.data, form.title_fr.data),
                                      ca.texts(form.summary_en.data, form.summary_fr.data), _certification(form, None))
        except AuthoringError as exc:
            error = str(exc)
        else:
            flash(_("Course created as a draft: add its modules."), "success")
            return redirect(url_for("author.edit_course", slug=course.slug))
    elif request.method == "POST":
        error = _("Check the fields marked in red.")
    return render_template("author/course_form.html", form=form, course=None, error=error), 400 if error else 200


@bp.route("/courses/<slug>/edit", methods=["GET", "POST"])
@trainers
def edit_course(slug: str):
    course = _course(slug)
    s = db.session()
    form = _course_form(course)
    error = None
    if form.validate_on_submit():
        try:
            ca.update_course(s, current_user, course, ca.texts(form.title_en.data, form.title_fr.data),
                             ca.texts(form.summary_en.data, form.summary_fr.data),
                             _certification(form, course.certification))
        except AuthoringError as exc:
            error = str(exc)
        else:
            flash(_("Course saved."), "success")
            return redirect(url_for("author.edit_course", slug=course.slug))
    elif request.method == "POST":
        error = _("Check the fields marked in red.")
    return render_template("author/course_form.html", form=form, course=course, error=error,
                           modules=ca.modules(s, course), module_form=ModuleForm(formdata=None, prefix="module"),
                           move_form=EmptyForm()), 400 if error else 200


@bp.route("/courses/<slug>/modules/new", methods=["GET", "POST"])
@trainers
def new_module(slug: str):
    course = _course(slug)
    form = ModuleForm(prefix="module")
    error = None
    if form.validate_on_submit():
        try:
            module = ca.add_module(db.session(), current_user, course, form.slug.data,
                                   ca.texts(form.title_en.data, form.title_fr.data),
                                   ca.texts(form.summary_en.data, form.summary_fr.data))
        except AuthoringError as exc:
            error = str(exc)
        else:
            flash(_("Module added."), "success")
            return redirect(url_for("author.edit_module", module_id=module.id))
    elif request.method == "POST":
        error = _("Check the fields marked in red.")
    return render_template("author/module_form.html", form=form, course=course, module=None, error=error), \
        400 if error else 200


@bp.route("/modules/<int:module_id>/edit", methods=["GET", "POST"])
@trainers
def edit_module(module_id: int):
    module = _module(module_id)
    s = db.session()
    course = s.get(Course, module.course_id)
    form = ModuleForm(prefix="module")
    if request.method == "GET":
        form = ModuleForm(formdata=None, prefix="module", data={
            "title_en": module.title.get("en"), "title_fr": module.title.get("fr"),
            "summary_en": module.summary.get("en"), "summary_fr": module.summary.get("fr")})
    del form.slug
    error = None
    if form.validate_on_submit():
        ca.update_module(s, current_user, module, ca.texts(form.title_en.data, form.title_fr.data),
                         ca.texts(form.summary_en.data, form.summary_fr.data))
        flash(_("Module saved."), "success")
        return redirect(url_for("author.edit_module", module_id=module.id))
    elif request.method == "POST":
        error = _("Check the fields marked in red.")
    lessons = list(s.exec(select(Lesson).where(Lesson.module_id == module.id).order_by(Lesson.position)))
    exercises = list(s.exec(select(Exercise).where(Exercise.module_id == module.id)
                            .order_by(Exercise.exam, Exercise.position, Exercise.slug, Exercise.version)))
    return render_template("author/module_form.html", form=form, course=course, module=module, error=error,
                           lessons=lessons, exercises=exercises, quiz=quiz_of(s, module)), 400 if error else 200


@bp.route("/modules/<int:module_id>/move", methods=["POST"])
@trainers
def move_module(module_id: int):
    module = _module(module_id)
    direction = request.form.get("direction")
    if not EmptyForm().validate_on_submit() or direction not in ("up", "down"):
        abort(400)
    ca.move_module(db.session(), current_user, module, -1 if direction == "up" else 1)
    course = db.session().get(Course, module.course_id)
    return redirect(url_for("author.edit_course", slug=course.slug) + "#modules")


@bp.route("/modules/<int:module_id>/lessons/new", methods=["GET", "POST"])
@trainers
def new_lesson(module_id: int):
    module = _module(module_id)
    form = NewLessonForm() if request.method == "POST" else NewLessonForm(formdata=None, data={"minutes": 5})
    error = None
    if form.validate_on_submit():
        try:
            lesson = ca.add_lesson(db.session(), current_user, module, form.slug.data,
                                   ca.texts(form.title_en.data, form.title_fr.data),
                                   ca.texts(form.body_en.data, form.body_fr.data), form.minutes.data)
        except AuthoringError as exc:
            error = str(exc)
        else:
            flash(_("Lesson added."), "success")
            return redirect(url_for("author.lesson", lesson_id=lesson.id))
    elif request.method == "POST":
        error = _("Check the fields marked in red.")
    return render_template("author/lesson.html", lesson=None, module=module, form=form, error=error), \
        400 if error else 200
