"""Feedback that teaches: for each criterion of a report, what was expected and which lesson
covers it (the criterion's `lesson:` in the exercise file, else the first lesson of the
exercise's module)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlmodel import Session, select

from graders.spec import Criterion, ExerciseSpec, pick

from ..models import Course, Exercise, Lesson, Module
from . import content_cache


@dataclass(frozen=True)
class LessonLink:
    course_slug: str
    module_slug: str
    lesson_slug: str
    title: dict[str, str]


@dataclass
class CriterionHelp:
    expected: str
    suggestion: str            # the criterion's hint: one concrete thing to do
    lesson: LessonLink | None


def _link(session: Session, module: Module, lesson: Lesson | None) -> LessonLink | None:
    course = session.get(Course, module.course_id)
    if lesson is None or course is None or not course.published:
        return None
    return LessonLink(course.slug, module.slug, lesson.slug, lesson.title)


def _resolve(session: Session, ref: str, own_course_id: int | None) -> LessonLink | None:
    """`module-slug/lesson-slug`, looked up in the exercise's own course first, then in the others."""
    module_slug, _sep, lesson_slug = ref.partition("/")
    modules = sorted(session.exec(select(Module).where(Module.slug == module_slug)),
                     key=lambda m: m.course_id != own_course_id)
    for module in modules:
        lesson = session.exec(select(Lesson).where(Lesson.module_id == module.id,
                                                   Lesson.slug == lesson_slug)).first()
        link = _link(session, module, lesson)
        if link:
            return link
    return None


def expected(criterion: Criterion, lang: str) -> str:
    """What the criterion expects, in words: its label (which states bounds and terms), and for the
    judge the level to reach."""
    text = pick(criterion.label, lang)
    p = criterion.params
    if criterion.kind == "judge":
        level = int(p.get("pass_level", 2))
        levels = (p.get("levels") or {}).get(lang) or (p.get("levels") or {}).get("en") or []
        if level < len(levels):
            text += " — " + _("at least level %(level)d of 4: “%(text)s”", level=level, text=levels[level])
    return text


def criteria_help(session: Session, exercise: Exercise, spec: ExerciseSpec, lang: str) -> dict[str, CriterionHelp]:
    lessons = content_cache.derived(session, ("criteria lessons", exercise.id),
                                    lambda: _criteria_lessons(session, exercise, spec))
    return {c.id: CriterionHelp(expected=expected(c, lang), suggestion=pick(c.hint, lang), lesson=lessons[c.id])
            for c in spec.criteria}


def _criteria_lessons(session: Session, exercise: Exercise, spec: ExerciseSpec) -> dict[str, LessonLink | None]:
    """The lesson of each criterion. Content only: kept under the content version (a report page,
    polled while grading runs, reads none of it)."""
    module = session.get(Module, exercise.module_id) if exercise.module_id else None
    fallback = None
    if module is not None:
        first = session.exec(select(Lesson).where(Lesson.module_id == module.id)
                             .order_by(Lesson.position)).first()
        fallback = _link(session, module, first)
    own_course = module.course_id if module else None
    resolved: dict[str, LessonLink | None] = {}
    for c in spec.criteria:
        if c.lesson and c.lesson not in resolved:
            resolved[c.lesson] = _resolve(session, c.lesson, own_course)
    return {c.id: (resolved.get(c.lesson) if c.lesson else None) or fallback for c in spec.criteria}


def length_limits(spec: ExerciseSpec) -> dict | None:
    """The exercise's own length bounds on the prompt (its first `length` criterion), if any."""
    for c in spec.criteria:
        if c.kind == "length" and c.on == "prompt":
            return {"min": c.params.get("min"), "max": c.params.get("max"),
                    "unit": "words" if c.params.get("unit") == "words" else "chars"}
    return None
