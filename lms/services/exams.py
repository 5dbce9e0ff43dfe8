"""Final exams: draw exercises across the modules, collect one graded answer to each, decide.

The rules come from the course's exam.yaml: `draw` exercises from the pool, spread over the
modules; passed when the mean score reaches `pass_mark` and no module's mean is under
`module_minimum`; a failed exam can be taken again after `retake_after_days`.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from ..models import Attempt, AttemptStatus, Course, ExamSession, ExamStatus, Exercise, Module, User
from ..models.base import utcnow
from . import xapi


class ExamError(ValueError):
    """The exam cannot be started or answered now; the message says why."""


@dataclass
class ExamState:
    current: ExamSession | None       # in progress or pending
    last: ExamSession | None          # the most recent sitting
    passed: bool
    can_start: bool
    retake_at: datetime | None


def rules(course: Course) -> dict:
    exam = course.exam or {}
    return {"draw": int(exam.get("draw", 4)), "pass_mark": float(exam.get("pass_mark", 70)),
            "module_minimum": float(exam.get("module_minimum", 50)),
            "retake_after_days": int(exam.get("retake_after_days", 7))}


def sessions(session: Session, user_id: int, course_id: int) -> list[ExamSession]:
    return list(session.exec(select(ExamSession).where(ExamSession.user_id == user_id,
                                                       ExamSession.course_id == course_id)
                             .order_by(ExamSession.started_at.desc(), ExamSession.id.desc())))


def state(session: Session, user_id: int, course: Course, now: datetime | None = None,
          held: list | None = None) -> ExamState:
    """`held`: the person's certificates (certification.held), when the caller has read them."""
    from .certification import renewal_of

    now = now or utcnow()
    history = sessions(session, user_id, course.id)
    renewing = renewal_of(session, user_id, course, now, held)
    if renewing is not None:  # renewal: only sittings after the certificate being renewed count
        history = [s for s in history if s.started_at > renewing.issued_at]
    current = next((s for s in history if s.status in (ExamStatus.IN_PROGRESS.value, ExamStatus.PENDING.value)), None)
    passed = any(s.status == ExamStatus.PASSED.value for s in history)
    last = history[0] if history else None
    retake_at = None
    if last is not None and last.status == ExamStatus.FAILED.value and last.completed_at:
        retake_at = last.completed_at + timedelta(days=rules(course)["retake_after_days"])
    can_start = bool(course.exam) and current is None and not passed and (retake_at is None or now >= retake_at)
    return ExamState(current=current, last=last, passed=passed, can_start=can_start, retake_at=retake_at)


def draw(pool: list[Exercise], modules: dict[int, str], n: int, rng: random.Random) -> list[Exercise]:
    """n exercises spread over the modules: one per module in turn, at random within each."""
    by_module: dict[int, list[Exercise]] = {}
    for ex in pool:
        by_module.setdefault(ex.module_id, []).append(ex)
    for exercises in by_module.values():
        rng.shuffle(exercises)
    order = sorted(by_module, key=lambda m: modules.get(m, ""))
    rng.shuffle(order)
    chosen: list[Exercise] = []
    while len(chosen) < n and any(by_module.values()):
        for module_id in order:
            if by_module[module_id] and len(chosen) < n:
                chosen.append(by_module[module_id].pop())
    return chosen


def start(session: Session, user: User, course: Course, rng: random.Random | None = None) -> ExamSession:
    from flask_babel import lazy_gettext as _l

    st = state(session, user.id, course)
    if not course.exam:
        raise ExamError(_l("This course has no exam."))
    if st.passed:
        raise ExamError(_l("You have already passed this exam."))
    if st.current is not None:
        return st.current
    if not st.can_start:
        raise ExamError(_l("You can take the exam again from %(date)s.", date=st.retake_at.date().isoformat()))
    pool = list(session.exec(select(Exercise).join(Module).where(
        Module.course_id == course.id, Exercise.exam == True, Exercise.current == True)))  # noqa: E712
    modules = {m.id: m.slug for m in session.exec(select(Module).where(Module.course_id == course.id))}
    chosen = draw(pool, modules, rules(course)["draw"], rng or random.SystemRandom())
    exam = ExamSession(user_id=user.id, course_id=course.id, exercise_ids=[e.id for e in chosen])
    session.add(exam)
    session.commit()
    return exam


def drawn(session: Session, exam: ExamSession) -> list[Exercise]:
    """The exercises drawn for the sitting, in the order drawn, read in one query."""
    rows = {e.id: e for e in session.exec(select(Exercise).where(Exercise.id.in_(exam.exercise_ids)))}
    return [rows[i] for i in exam.exercise_ids if i in rows]


def answers(session: Session, exam: ExamSession) -> dict[int, Attempt]:
    """The latest attempt for each drawn exercise."""
    found: dict[int, Attempt] = {}
    for a in session.exec(select(Attempt).where(Attempt.exam_session_id == exam.id).order_by(Attempt.id)):
        found[a.exercise_id] = a
    return found


def check_can_answer(session: Session, exam: ExamSession, exercise: Exercise) -> None:
    from flask_babel import lazy_gettext as _l

    if exam.status != ExamStatus.IN_PROGRESS.value:
        raise ExamError(_l("This exam is closed."))
    if exercise.id not in exam.exercise_ids:
        raise ExamError(_l("This exercise is not part of your exam."))
    previous = answers(session, exam).get(exercise.id)
    if previous is not None and previous.status != AttemptStatus.ERROR.value:
        raise ExamError(_l("You have already answered this exam exercise."))


def refresh(session: Session, exam: ExamSession) -> ExamSession:
    """Decide the exam once every drawn exercise has a final grade."""
    if exam.status in (ExamStatus.PASSED.value, ExamStatus.FAILED.value):
        return exam
    course = session.get(Course, exam.course_id)
    got = answers(session, exam)
    if len(got) < len(exam.exercise_ids):
        return exam
    if any(a.status != AttemptStatus.GRADED.value for a in got.values()):
        exam.status = ExamStatus.PENDING.value
    else:
        r = rules(course)
        modules = {m.id: m.slug for m in session.exec(select(Module).where(Module.course_id == course.id))}
        per_module: dict[str, list[float]] = {}
        for exercise_id, attempt in got.items():
            exercise = session.get(Exercise, exercise_id)
            per_module.setdefault(modules.get(exercise.module_id, "?"), []).append(attempt.score or 0.0)
        scores = [a.score or 0.0 for a in got.values()]
        exam.score = round(sum(scores) / len(scores), 1)
        exam.module_scores = {m: round(sum(v) / len(v), 1) for m, v in per_module.items()}
        ok = exam.score >= r["pass_mark"] and all(v >= r["module_minimum"] for v in exam.module_scores.values())
        exam.status = ExamStatus.PASSED.value if ok else ExamStatus.FAILED.value
        exam.completed_at = utcnow()
        xapi.exam_finished(session, exam)
    session.add(exam)
    session.commit()
    return exam
