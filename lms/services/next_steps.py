"""The learner's "What to do next": for each assigned track or started course, progress per
module, what is left, and the single next step."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlmodel import Session, select

from ..models import (Attempt, AttemptStatus, Course, ExamSession, Exercise, Lesson, LessonProgress,
                      Module, Quiz, QuizAttempt)
from ..models.base import utcnow
from . import certification, content_cache, exams, hr_org, progress, quizzes

WAITING = (AttemptStatus.QUEUED.value, AttemptStatus.GRADING.value, AttemptStatus.AWAITING_REVIEW.value,
           AttemptStatus.DELAYED.value)


@dataclass
class ModuleProgress:
    module: content_cache.ModuleItem
    lessons_total: int
    lessons_done: int
    exercises_total: int
    exercises_passed: int
    has_quiz: bool
    quiz_passed: bool

    @property
    def total(self) -> int:
        return self.lessons_total + self.exercises_total + int(self.has_quiz)

    @property
    def done(self) -> int:
        return self.lessons_done + self.exercises_passed + int(self.quiz_passed)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 100

    @property
    def lessons_left(self) -> int:
        return self.lessons_total - self.lessons_done

    @property
    def exercises_left(self) -> int:
        return self.exercises_total - self.exercises_passed

    @property
    def quiz_left(self) -> bool:
        return self.has_quiz and not self.quiz_passed


@dataclass
class NextStep:
    """kind: lesson | exercise | quiz | exam | renew | exam_wait | waiting | prerequisite | certified | done."""
    kind: str
    title: dict[str, str] = field(default_factory=dict)   # the lesson, exercise, module or course
    endpoint: str | None = None                            # url_for endpoint and its arguments
    args: dict[str, Any] = field(default_factory=dict)
    when: datetime | None = None                           # a retake date or a certificate's expiry


@dataclass
class Track:
    course: Course
    modules: list[ModuleProgress]
    percent: int
    next: NextStep
    assignment: Any = None     # hr_org.MyAssignment when HR assigned this track


def _started_course_ids(session: Session, user_id: int, held: list) -> set[int]:
    ids = set(session.exec(select(Module.course_id).join(Lesson).join(LessonProgress)
                           .where(LessonProgress.user_id == user_id)))
    ids |= set(session.exec(select(Module.course_id).join(Exercise, Exercise.module_id == Module.id)
                            .join(Attempt, Attempt.exercise_id == Exercise.id).where(Attempt.user_id == user_id)))
    ids |= set(session.exec(select(Module.course_id).join(Quiz).join(QuizAttempt)
                            .where(QuizAttempt.user_id == user_id)))
    ids |= set(session.exec(select(ExamSession.course_id).where(ExamSession.user_id == user_id)))
    ids |= {c.course_id for c in held}
    return ids


def _waiting_slugs(session: Session, user_id: int) -> set[str]:
    """Exercises whose latest submission still waits for a grade (nothing to do but wait)."""
    return set(session.exec(select(Exercise.slug).join(Attempt).where(
        Attempt.user_id == user_id, Attempt.status.in_(WAITING), Attempt.exam_session_id == None)))  # noqa: E711


def _exam_step(session: Session, user_id: int, course: Course, kind: str, now: datetime,
               held: list) -> NextStep | None:
    st = exams.state(session, user_id, course, now, held)
    if st.passed:
        return None
    if st.current is not None or st.can_start:
        return NextStep(kind, course.title, "learn.exam", {"slug": course.slug})
    if st.retake_at is not None:
        return NextStep("exam_wait", course.title, "learn.exam", {"slug": course.slug}, when=st.retake_at)
    return None


def track(session: Session, user_id: int, course: Course, now: datetime | None = None,
          done: set[int] | None = None, passed: set[str] | None = None, passed_quizzes: set[int] | None = None,
          waiting: set[str] | None = None, held: list | None = None) -> Track:
    now = now or utcnow()
    held = certification.held(session, user_id) if held is None else held
    done = progress.done_lesson_ids(session, user_id) if done is None else done
    passed = progress.passed_exercise_slugs(session, user_id) if passed is None else passed
    passed_quizzes = quizzes.passed_quiz_ids(session, user_id) if passed_quizzes is None else passed_quizzes
    waiting = _waiting_slugs(session, user_id) if waiting is None else waiting
    modules: list[ModuleProgress] = []
    step: NextStep | None = None
    someone_waits = False
    outline = content_cache.outline(session, course.slug)  # the course's structure from memory
    for m in outline.modules:
        lessons = [x for x in outline.lessons if x.module_id == m.id]
        exercises = [e for e in outline.exercises if e.module_id == m.id]
        quiz = next((q for q in outline.quizzes if q.module_id == m.id), None)
        mp = ModuleProgress(m, len(lessons), sum(1 for x in lessons if x.id in done),
                            len(exercises), sum(1 for e in exercises if e.slug in passed),
                            quiz is not None, bool(quiz and quiz.id in passed_quizzes))
        modules.append(mp)
        if step is not None:
            continue
        lesson = next((x for x in lessons if x.id not in done), None)
        if lesson is not None:
            step = NextStep("lesson", lesson.title, "learn.lesson",
                            {"slug": course.slug, "module_slug": m.slug, "lesson_slug": lesson.slug})
            continue
        todo = [e for e in exercises if e.slug not in passed]
        someone_waits = someone_waits or any(e.slug in waiting for e in todo)
        exercise = next((e for e in todo if e.slug not in waiting), None)
        if exercise is not None:
            step = NextStep("exercise", exercise.title, "learn.exercise", {"slug": exercise.slug})
        elif mp.quiz_left:
            step = NextStep("quiz", m.title, "learn.quiz", {"slug": course.slug, "module_slug": m.slug})
    total = sum(mp.total for mp in modules) + int(bool(course.exam))
    finished = sum(mp.done for mp in modules)

    renewing = certification.renewal_of(session, user_id, course, now, held)
    current = certification.current_certificate(session, user_id, course.id, held)
    if course.exam and exams.state(session, user_id, course, now, held).passed and not renewing:
        finished += 1
    percent = round(100 * finished / total) if total else 0
    if renewing is not None:
        step = (_exam_step(session, user_id, course, "renew", now, held) if course.exam else None) \
            or NextStep("renew", course.title, "learn.course", {"slug": course.slug})
        if step.kind == "renew":
            step.when = renewing.expires_at
    elif current is not None:
        step = NextStep("certified", course.title, "verify.certificate", {"public_id": current.public_id},
                        when=current.expires_at)
        percent = 100
    elif step is None and course.exam:
        step = _exam_step(session, user_id, course, "exam", now, held)
    if step is None and someone_waits:
        step = NextStep("waiting", course.title, "learn.course", {"slug": course.slug})
    if step is None:
        for slug in ((course.certification or {}).get("requires") or {}).get("certificates", []):
            other = session.exec(select(Course).where(Course.slug == slug)).first()
            if other is not None and certification.current_certificate(session, user_id, other.id, held) is None:
                step = NextStep("prerequisite", other.title, "learn.course", {"slug": other.slug})
                break
    return Track(course, modules, percent, step or NextStep("done", course.title, "learn.course",
                                                            {"slug": course.slug}))


def plan(session: Session, user_id: int, now: datetime | None = None,
         learner: progress.Record | None = None, held: list | None = None) -> list[Track]:
    """Assigned tracks first (by due date), then the other courses the learner started. A started
    course already certified is left out unless its renewal is due. `learner` (the record) and
    `held` (certification.held), when the caller has read them."""
    now = now or utcnow()
    learner = learner or progress.record(session, user_id)
    held = certification.held(session, user_id) if held is None else held
    cache = {"done": learner.lessons, "passed": learner.exercises, "passed_quizzes": learner.quizzes,
             "waiting": _waiting_slugs(session, user_id), "held": held}
    tracks: list[Track] = []
    seen: set[int] = set()
    for a in hr_org.my_assignments(session, user_id):
        if a.course.id in seen or not a.course.published:
            continue
        seen.add(a.course.id)
        t = track(session, user_id, a.course, now, **cache)
        t.assignment = a
        tracks.append(t)
    started = _started_course_ids(session, user_id, cache["held"]) - seen
    if started:
        for course in session.exec(select(Course).where(Course.id.in_(started), Course.status == "published")
                                   .order_by(Course.position)):
            t = track(session, user_id, course, now, **cache)
            if t.next.kind != "certified":
                tracks.append(t)
    return tracks
