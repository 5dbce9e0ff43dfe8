"""What a learner has done: lessons, passed exercises, per course and module."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import defer
from sqlmodel import Session, select

from ..models import Attempt, Course, Exercise, Lesson, LessonProgress, Module, Quiz
from ..models.base import utcnow


@dataclass
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


def course_progress(session: Session, user_id: int, course: Course, lessons: list[Lesson] | None = None,
                    done: set[int] | None = None) -> CourseProgress:
    """`lessons` and `done` may be given when the caller has already read them."""
    lessons = course_lessons(session, course) if lessons is None else lessons
    exercises = course_exercises(session, course)
    done = done_lesson_ids(session, user_id) if done is None else done
    passed = passed_exercise_slugs(session, user_id)
    from . import exams, quizzes

    quiz_rows = course_quizzes(session, course)
    passed_quizzes = quizzes.passed_quiz_ids(session, user_id)
    return CourseProgress(
        lessons_total=len(lessons), lessons_done=sum(1 for lesson in lessons if lesson.id in done),
        exercises_total=len(exercises), exercises_passed=sum(1 for e in exercises if e.slug in passed),
        quizzes_total=len(quiz_rows), quizzes_passed=sum(1 for q in quiz_rows if q.id in passed_quizzes),
        has_exam=bool(course.exam),
        exam_passed=bool(course.exam) and exams.state(session, user_id, course).passed,
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
