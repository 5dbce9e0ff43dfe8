"""What a learner has done: lessons, passed exercises, per course and module."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import String, bindparam, cast, literal, union_all
from sqlalchemy.orm import defer
from sqlmodel import Session, select

from ..models import Attempt, Course, Exercise, Lesson, LessonProgress, Module, Quiz, QuizAttempt
from ..models.base import utcnow
from . import content_cache
from .content_cache import CourseOutline


@dataclass(frozen=True)
class CourseProgress:
    lessons_total: int
    lessons_done: int
    exercises_total: int
    exercises_passed: int
    quizzes_total: int = 0
    quizzes_passed: int = 0
    has_exam: bool = False
    exam_passed: bool = False

    @property
    def percent(self) -> int:
        total = self.lessons_total + self.exercises_total + self.quizzes_total + int(self.has_exam)
        done = self.lessons_done + self.exercises_passed + self.quizzes_passed + int(self.exam_passed)
        return round(100 * done / total) if total else 0


@dataclass(frozen=True)
class Record:
    """Everything a learner has done, in every course."""
    lessons: frozenset[int]    # lessons marked done
    exercises: frozenset[str]  # slugs of exercises passed, in any version
    quizzes: frozenset[int]    # quizzes passed


_USER = bindparam("user_id")
_RECORD = union_all(
    select(literal("l"), cast(LessonProgress.lesson_id, String)).where(LessonProgress.user_id == _USER),
    select(literal("e"), Exercise.slug).join(Attempt).where(Attempt.user_id == _USER,
                                                             Attempt.passed == True).distinct(),  # noqa: E712
    select(literal("q"), cast(QuizAttempt.quiz_id, String)).where(QuizAttempt.user_id == _USER,
                                                                  QuizAttempt.passed == True))  # noqa: E712


def record(session: Session, user_id: int) -> Record:
    """One query for the three sets that progress is made of."""
    found: dict[str, set] = {"l": set(), "e": set(), "q": set()}
    session.flush()  # the session's own changes first (a Core query on its connection does not autoflush)
    for kind, value in session.connection().execute(_RECORD, {"user_id": user_id}):
        found[kind].add(value)
    return Record(lessons=frozenset(map(int, found["l"])), exercises=frozenset(found["e"]),
                  quizzes=frozenset(map(int, found["q"])))


def course_lessons(session: Session, course: Course) -> list[Lesson]:
    """The course's lessons in order, their bodies left unloaded (lists and counts need none)."""
    return list(session.exec(select(Lesson).options(defer(Lesson.body)).join(Module).where(Module.course_id == course.id)
                             .order_by(Module.position, Lesson.position)))


def course_exercises(session: Session, course: Course) -> list[Exercise]:
    return list(session.exec(select(Exercise).options(defer(Exercise.spec), defer(Exercise.source))
                             .join(Module).where(Module.course_id == course.id,
                                                                 Exercise.current == True,  # noqa: E712
                                                                 Exercise.exam == False)  # noqa: E712
                             .order_by(Module.position, Exercise.position)))


def course_quizzes(session: Session, course: Course) -> list[Quiz]:
    return list(session.exec(select(Quiz).join(Module).where(Module.course_id == course.id)
                             .order_by(Module.position)))


def done_lesson_ids(session: Session, user_id: int) -> set[int]:
    return set(session.exec(select(LessonProgress.lesson_id).where(LessonProgress.user_id == user_id)))


def passed_exercise_slugs(session: Session, user_id: int) -> set[str]:
    """Slugs passed in any version: a learner who passed an old version keeps the pass."""
    rows = session.exec(select(Exercise.slug).join(Attempt).where(Attempt.user_id == user_id,
                                                                  Attempt.passed == True))  # noqa: E712
    return set(rows)


def course_progress(session: Session, user_id: int, course: Course | CourseOutline,
                    lessons: list[Lesson] | None = None, done: set[int] | None = None,
                    learner: Record | None = None, held: list | None = None) -> CourseProgress:
    """The course's structure from the content cache and the learner's record in one query (unless
    given); `lessons` and `done` may be given when the caller has already read them, `held` the
    person's certificates (certification.held)."""
    outline = course if isinstance(course, CourseOutline) else content_cache.outline(session, course.slug)
    learner = learner or record(session, user_id)
    lesson_ids = [x.id for x in (outline.lessons if lessons is None else lessons)]
    done = learner.lessons if done is None else done
    exam_passed = False
    if outline.exam:
        from . import exams

        row = course if isinstance(course, Course) else session.get(Course, outline.id)
        exam_passed = exams.state(session, user_id, row, held=held).passed
    return CourseProgress(
        lessons_total=len(lesson_ids), lessons_done=sum(1 for i in lesson_ids if i in done),
        exercises_total=len(outline.exercise_slugs),
        exercises_passed=sum(1 for slug in outline.exercise_slugs if slug in learner.exercises),
        quizzes_total=len(outline.quiz_ids), quizzes_passed=sum(1 for q in outline.quiz_ids if q in learner.quizzes),
        has_exam=bool(outline.exam), exam_passed=exam_passed,
    )


def mark_lesson_done(session: Session, user_id: int, lesson: Lesson) -> bool:
    """Returns True when the lesson was newly marked done."""
    exists = session.exec(select(LessonProgress).where(LessonProgress.user_id == user_id,
                                                       LessonProgress.lesson_id == lesson.id)).first()
    if exists:
        return False
    session.add(LessonProgress(user_id=user_id, lesson_id=lesson.id, completed_at=utcnow()))
    session.commit()
    return True
