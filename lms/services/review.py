"""Human oversight of automated grades: the review queue, overrides, appeals, notifications and
the audit trail (the EU AI Act counts grading learners as high-risk: a person must be able to
check and change every automated decision, and every change is kept)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_
from sqlmodel import Session, select

from graders.pipeline import decide, score_criterion
from graders.report import CriterionResult, GradeReport, Status

from ..models import (Appeal, Attempt, AttemptStatus, ExamSession, Exercise, Module, Notification,
                      Override, Role, TrainerAssignment, User)
from ..models.base import utcnow
from . import certification, exams, grading, xapi
from .audit import audit  # noqa: F401 (also used as review.audit by older callers)
from .content import exercise_spec

NEEDS_HUMAN = [AttemptStatus.AWAITING_REVIEW.value, AttemptStatus.DELAYED.value, AttemptStatus.ERROR.value]
MAX_APPEAL_CHARS = 1000


class ReviewError(ValueError):
    """The review or appeal cannot be accepted; the message says why."""


def notify(session: Session, user_id: int, kind: str, **data) -> None:
    session.add(Notification(user_id=user_id, kind=kind, data=data))


def reviewable_course_ids(session: Session, user: User) -> set[int] | None:
    """None: every course (admins); otherwise the courses a trainer is assigned to."""
    if user.has_role(Role.ADMIN):
        return None
    if not user.has_role(Role.TRAINER):
        return set()
    return set(session.exec(select(TrainerAssignment.course_id).where(TrainerAssignment.user_id == user.id)))


def can_review(session: Session, user: User, attempt: Attempt) -> bool:
    allowed = reviewable_course_ids(session, user)
    return allowed is None or grading.course_of(session, attempt) in allowed


@dataclass
class QueueRow:
    attempt: Attempt
    exercise: Exercise
    learner: User
    appeal: Appeal | None


def queue(session: Session, user: User, limit: int = 200) -> list[QueueRow]:
    open_appeals = select(Appeal.attempt_id).where(Appeal.resolved_at == None)  # noqa: E711
    query = (select(Attempt, Exercise, User).join(Exercise, Attempt.exercise_id == Exercise.id)
             .join(User, Attempt.user_id == User.id)
             .where(or_(Attempt.status.in_(NEEDS_HUMAN), Attempt.id.in_(open_appeals)),
                    User.deleted_at == None))  # noqa: E711  (a deleted account's text is gone: nothing to review)
    allowed = reviewable_course_ids(session, user)
    if allowed is not None:
        query = query.join(Module, Exercise.module_id == Module.id).where(Module.course_id.in_(allowed or [-1]))
    rows = []
    for attempt, exercise, learner in session.exec(query.order_by(Attempt.created_at).limit(limit)):
        appeal = session.exec(select(Appeal).where(Appeal.attempt_id == attempt.id)).first()
        rows.append(QueueRow(attempt, exercise, learner, appeal if appeal and not appeal.resolved_at else None))
    return rows


def appeal(session: Session, user: User, attempt: Attempt, reason: str) -> Appeal:
    reason = (reason or "").strip()
    if attempt.user_id != user.id:
        raise ReviewError(_l("You can only appeal your own attempts."))
    if attempt.status in (AttemptStatus.QUEUED.value, AttemptStatus.GRADING.value):
        raise ReviewError(_l("Wait for the grade before asking for a review."))
    if not reason:
        raise ReviewError(_l("Explain in a few words why the grade seems wrong to you."))
    if len(reason) > MAX_APPEAL_CHARS:
        raise ReviewError(_l("Your explanation is too long: %(max)d characters at most.", max=MAX_APPEAL_CHARS))
    if session.exec(select(Appeal).where(Appeal.attempt_id == attempt.id)).first():
        raise ReviewError(_l("You have already asked for a review of this attempt."))
    row = Appeal(attempt_id=attempt.id, user_id=user.id, reason=reason)
    session.add(row)
    audit(session, user.id, "appeal", f"attempt:{attempt.id}")
    session.commit()
    return row


def override(session: Session, reviewer: User, attempt: Attempt, values: dict[str, float | None],
             comments: dict[str, str], comment: str) -> Override:
    """Confirm or change the grade, criterion by criterion. `values` holds, for each criterion the
    trainer scores, a level 0-4 (judge) or 1/0 (others); criteria left out keep their score."""
    if not can_review(session, reviewer, attempt):
        raise ReviewError(_l("You are not assigned to this course."))
    exercise = session.get(Exercise, attempt.exercise_id)
    spec = exercise_spec(exercise)
    report = GradeReport.from_dict(attempt.report) if attempt.report and attempt.report.get("criteria") else None
    before = {r.id: r for r in (report.criteria if report else [])}
    results: list[CriterionResult] = []
    changes = {}
    for c in spec.criteria:
        old = before.get(c.id)
        old_value = None if old is None or old.score is None else (old.level if c.kind == "judge" else int(bool(old.passed)))
        value = values.get(c.id)
        if value is None and old_value is None:
            raise ReviewError(_l("Score every criterion that is still pending."))
        note = (comments.get(c.id) or "").strip()
        if value is None or (value == old_value and not note):
            results.append(old)
            continue
        rationale = note or (old.rationale if old else "")
        result = score_criterion(c, value, rationale, attempt.lang)
        results.append(result)
        changes[c.id] = {"before": old_value, "after": value, "comment": note}
    score, passed = decide(spec, results)
    if report is None:
        report = GradeReport(status=Status.GRADED.value, score=None, passed=None, criteria=[])
    report.criteria, report.score, report.passed, report.status = results, score, passed, Status.GRADED.value
    data = report.to_dict()
    data["review"] = {"by": reviewer.name, "at": utcnow().isoformat(), "comment": comment.strip(),
                      "changed": sorted(changes)}
    row = Override(attempt_id=attempt.id, reviewer_id=reviewer.id, criteria=changes, comment=comment.strip(),
                   score_before=attempt.score, score_after=score, passed_after=passed)
    attempt.report, attempt.score, attempt.passed = data, score, passed
    attempt.status, attempt.reviewed_at, attempt.reviewed_by = AttemptStatus.GRADED.value, utcnow(), reviewer.id
    attempt.retry_at = None
    session.add_all([row, attempt])
    for a in session.exec(select(Appeal).where(Appeal.attempt_id == attempt.id, Appeal.resolved_at == None)):  # noqa: E711
        a.resolved_at, a.resolved_by = utcnow(), reviewer.id
        session.add(a)
    audit(session, reviewer.id, "override", f"attempt:{attempt.id}", changes=changes, score=score, passed=passed)
    xapi.attempt_graded(session, attempt)
    notify(session, attempt.user_id, "attempt_reviewed", attempt_id=attempt.id, exercise=exercise.title,
           score=score, passed=passed)
    session.commit()
    if attempt.exam_session_id:
        exams.refresh(session, session.get(ExamSession, attempt.exam_session_id))
    certification.check_after(session, attempt.user_id, grading.course_of(session, attempt))
    return row


def unread(session: Session, user_id: int) -> list[Notification]:
    return list(session.exec(select(Notification).where(Notification.user_id == user_id,
                                                        Notification.read_at == None)  # noqa: E711
                             .order_by(Notification.created_at.desc()).limit(20)))


def mark_read(session: Session, user_id: int) -> None:
    for n in unread(session, user_id):
        n.read_at = utcnow()
        session.add(n)
    session.commit()


def _overrides(session: Session, exercise_slug: str):
    return session.exec(select(Override, Attempt).join(Attempt, Override.attempt_id == Attempt.id)
                        .join(Exercise, Attempt.exercise_id == Exercise.id).where(Exercise.slug == exercise_slug)
                        .order_by(Override.created_at, Override.id))


def _judge_verdicts(o: Override, attempt: Attempt) -> tuple[int, int]:
    """(kept, changed): the judged criteria of an override whose level the trainer kept or changed."""
    kept = changed = 0
    for c in (attempt.report or {}).get("criteria", []):
        if c.get("kind") != "judge":
            continue
        change = o.criteria.get(c["id"])
        if change is None or change.get("before") is None:
            kept += change is None
        elif change["before"] == change["after"]:
            kept += 1
        else:
            changed += 1
    return kept, changed


def _rates(kept: int, changed: int) -> dict:
    total = kept + changed
    return {"reviewed": total, "kept": kept, "changed": changed, "rate": round(kept / total, 3) if total else None}


def agreement(session: Session, exercise_slug: str) -> dict:
    """How often trainers kept the judge's level on the attempts they reviewed (one exercise)."""
    kept = changed = 0
    for o, attempt in _overrides(session, exercise_slug):
        k, c = _judge_verdicts(o, attempt)
        kept, changed = kept + k, changed + c
    return _rates(kept, changed)


def agreement_by_month(session: Session, exercise_slug: str) -> list[dict]:
    """The same, per month of the overrides (oldest first): {"month": "YYYY-MM", reviewed, kept, changed, rate}."""
    months: dict[str, list[int]] = {}
    for o, attempt in _overrides(session, exercise_slug):
        k, c = _judge_verdicts(o, attempt)
        counts = months.setdefault(o.created_at.strftime("%Y-%m"), [0, 0])
        counts[0], counts[1] = counts[0] + k, counts[1] + c
    return [{"month": month, **_rates(*counts)} for month, counts in sorted(months.items())]
