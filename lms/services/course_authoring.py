"""Courses, modules and lessons written in the browser, in the shape of the courses/ files
(docs/content-format.md): what is saved here exports to files that `lms content check` accepts.

A course created in the browser starts as a draft; the trainer who creates it is assigned to it.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func
from sqlmodel import Session, select

from graders.spec import SLUG_RE, SpecError

from ..models import Course, Lesson, Module, Role, TrainerAssignment, User
from ..models.base import utcnow
from .authoring import AuthoringError, normalise
from .content import check_certification
from .audit import audit

REQUIREMENTS = ("lessons", "exercises", "quizzes")
RENEWAL_REQUIREMENTS = ("lessons", "exercises", "quizzes", "exam")


def texts(en: str | None, fr: str | None) -> dict[str, str]:
    """{en, fr} from two form fields, with LF line ends and no surrounding blanks (a Markdown body
    keeps its exact text through an export to files and back)."""
    return {lang: normalise(v).strip() for lang, v in (("en", en), ("fr", fr))}


def _slug(value: str) -> str:
    slug = (value or "").strip()
    if not SLUG_RE.match(slug) or len(slug) > 100:
        raise AuthoringError(_l("The identifier must use lowercase letters, digits and hyphens (e.g. data-ethics)."))
    return slug


def certification(enabled: bool, title: dict[str, str], validity_days: int | None, requires: dict[str, str],
                  certificates: list[str], renewal_days: int | None, renewal_requires: list[str],
                  previous: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The `certification` block of course.yaml from the form's values. Keys the form does not
    manage (such as `requires.exam`) are kept from `previous`."""
    if not enabled:
        return None
    previous = previous or {}
    old_requires = previous.get("requires") or {}
    data: dict[str, Any] = {"title": title, "validity_days": int(validity_days or 0)}
    new_requires: dict[str, Any] = {}
    if certificates:
        new_requires["certificates"] = list(certificates)
    for key in REQUIREMENTS:
        value = requires.get(key, "all")
        if key != "quizzes" or key in old_requires or value != "all":  # quizzes: all is the default
            new_requires[key] = value
    new_requires.update({k: v for k, v in old_requires.items() if k not in (*REQUIREMENTS, "certificates")})
    data["requires"] = new_requires
    if renewal_days is not None:
        data["renewal"] = {"window_days": int(renewal_days),
                           "requires": {key: True if key == "exam" else "all" for key in renewal_requires}}
    data.update({k: v for k, v in previous.items() if k not in ("title", "validity_days", "requires", "renewal")})
    try:
        check_certification(data, "course")
    except SpecError as exc:
        raise AuthoringError(str(exc)) from exc
    return data


def create_course(session: Session, user: User, slug: str, title: dict[str, str], summary: dict[str, str],
                  cert: dict[str, Any] | None) -> Course:
    slug = _slug(slug)
    if session.exec(select(Course).where(Course.slug == slug)).first():
        raise AuthoringError(_l("A course with the identifier %(slug)s already exists.", slug=slug))
    position = (session.exec(select(func.max(Course.position))).one() or 0) + 1
    course = Course(slug=slug, position=position, title=title, summary=summary, certification=cert, status="draft")
    session.add(course)
    session.flush()
    if not user.has_role(Role.ADMIN):  # a trainer edits the courses they create
        session.add(TrainerAssignment(user_id=user.id, course_id=course.id))
    audit(session, user.id, "course.create", f"course:{slug}")
    session.commit()
    return course


def update_course(session: Session, user: User, course: Course, title: dict[str, str], summary: dict[str, str],
                  cert: dict[str, Any] | None) -> None:
    course.title, course.summary, course.certification, course.updated_at = title, summary, cert, utcnow()
    session.add(course)
    audit(session, user.id, "course.save", f"course:{course.slug}")
    session.commit()


def modules(session: Session, course: Course) -> list[Module]:
    return list(session.exec(select(Module).where(Module.course_id == course.id).order_by(Module.position, Module.id)))


def add_module(session: Session, user: User, course: Course, slug: str, title: dict[str, str],
               summary: dict[str, str]) -> Module:
    slug = _slug(slug)
    existing = modules(session, course)
    if any(m.slug == slug for m in existing):
        raise AuthoringError(_l("This course already has a module with the identifier %(slug)s.", slug=slug))
    module = Module(course_id=course.id, slug=slug, position=len(existing), title=title, summary=summary)
    session.add(module)
    audit(session, user.id, "module.create", f"course:{course.slug}:{slug}")
    session.commit()
    return module


def update_module(session: Session, user: User, module: Module, title: dict[str, str],
                  summary: dict[str, str]) -> None:
    module.title, module.summary = title, summary
    session.add(module)
    audit(session, user.id, "module.save", f"module:{module.id}")
    session.commit()


def move_module(session: Session, user: User, module: Module, delta: int) -> None:
    """Move a module up (-1) or down (+1) in its course; positions become 0, 1, 2..."""
    course = session.get(Course, module.course_id)
    order = modules(session, course)
    i = next(i for i, m in enumerate(order) if m.id == module.id)
    j = max(0, min(len(order) - 1, i + delta))
    order.insert(j, order.pop(i))
    for position, m in enumerate(order):
        m.position = position
        session.add(m)
    audit(session, user.id, "module.move", f"module:{module.id}", position=j)
    session.commit()


def add_lesson(session: Session, user: User, module: Module, slug: str, title: dict[str, str],
               body: dict[str, str], minutes: int) -> Lesson:
    slug = _slug(slug)
    lessons = list(session.exec(select(Lesson).where(Lesson.module_id == module.id)))
    if any(lesson.slug == slug for lesson in lessons):
        raise AuthoringError(_l("This module already has a lesson with the identifier %(slug)s.", slug=slug))
    if not all(body.get(lang, "").strip() for lang in ("en", "fr")):
        raise AuthoringError(_l("A lesson needs a text in English and in French."))
    position = max((lesson.position for lesson in lessons), default=-1) + 1
    lesson = Lesson(module_id=module.id, slug=slug, position=position, minutes=max(1, min(120, minutes)),
                    title=title, body=body)
    session.add(lesson)
    audit(session, user.id, "lesson.create", f"module:{module.id}:{slug}")
    session.commit()
    return lesson
