"""Attempt -> grade -> score -> certificate. Called by the views, the CLI and the workers.

The attempt row is committed (status `queued`) before its job is enqueued, so nothing a
learner submits is lost. A worker claims the attempt with a conditional UPDATE, so that two
workers given the same job grade it once. An attempt whose model call failed is `delayed` and
re-enqueued by `requeue_due` (a periodic job) with an exponential backoff.
"""
from __future__ import annotations

import hashlib
import logging
import time
import unicodedata
from datetime import timedelta

from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, or_, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, select

from graders import GRADER_VERSION, LLMClient, grade
from graders.report import Status

from ..models import Attempt, AttemptStatus, CalibrationRun, ExamSession, Exercise, User
from ..models.base import utcnow
from . import budgets, certification, content_cache, exams, guard, settings, xapi
from .content import exercise_spec

log = logging.getLogger(__name__)
MAX_RETRY_DELAY = 3600.0


class SubmissionError(ValueError):
    """A prompt that cannot be accepted; the message is shown to the learner."""


def prompt_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def grader_key(session: Session) -> str:
    """Identical submissions graded with the same key reuse the earlier grade."""
    s = llm().settings
    parts = [GRADER_VERSION, s.describe("grader"), s.describe("target"), str(s.judge_samples),
             str(settings.get(session, "confidentiality_policy")), str(llm().configured)]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()


def clean_prompt(prompt: str | None, max_chars: int) -> str:
    text = (prompt or "").replace("\r\n", "\n").replace("\r", "\n")
    # Control characters other than newline and tab are dropped; they are never meaningful.
    text = "".join(ch for ch in text if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    if not text.strip():
        raise SubmissionError(_l("Your prompt is empty. Write it in the box, then submit."))
    if len(text) > max_chars:
        raise SubmissionError(_l("Your prompt is %(n)d characters long; the limit is %(max)d. "
                                 "Shorten it and submit again.", n=len(text), max=max_chars))
    return text


def submit(session: Session, user: User, exercise: Exercise, prompt: str, lang: str,
           exam: ExamSession | None = None) -> Attempt:
    """Store the attempt, then enqueue its grading."""
    text = clean_prompt(prompt, current_app.config["MAX_PROMPT_CHARS"])
    window = timedelta(seconds=current_app.config["DOUBLE_SUBMIT_SECONDS"])
    budgets.hold_learner(session, user.id)
    same = session.exec(select(Attempt).where(
        Attempt.user_id == user.id, Attempt.exercise_id == exercise.id, Attempt.prompt_hash == prompt_hash(text),
        Attempt.exam_session_id == (exam.id if exam is not None else None),
        Attempt.created_at >= utcnow() - window)).first()
    if same is not None:  # a double click or a resent form: the attempt already exists
        return same
    if exam is not None:
        exams.check_can_answer(session, exam, exercise)
    else:
        try:
            budgets.check_submission(session, user.id)
        except budgets.BudgetExceeded as exc:
            raise SubmissionError(str(exc)) from exc
    attempt = Attempt(user_id=user.id, exercise_id=exercise.id, prompt=text,
                      prompt_hash=prompt_hash(text), grader_key=grader_key(session),
                      exam_session_id=exam.id if exam is not None else None,
                      lang=lang if lang in ("en", "fr") else "en", retry_at=_watchdog(utcnow()))
    session.add(attempt)
    xapi.attempt_submitted(session, attempt)
    session.commit()
    if not current_app.extensions["queue"].enqueue(attempt.id):
        # The queue is away (Redis restarting): the attempt is stored, the reconciler enqueues
        # it again soon, and the learner is told that grading is delayed.
        attempt.retry_at = utcnow() + timedelta(seconds=current_app.config["GRADING_RETRY_DELAY"])
        session.add(attempt)
        session.commit()
        if has_request_context():
            g.grading_queue_down = True
    return attempt


QUEUE_DOWN_MESSAGE = _l("Your attempt is saved, but grading is delayed: the grading service is briefly "
                        "unreachable. It will be graded automatically when the service is back; there is "
                        "nothing more to do.")


def queue_was_down() -> bool:
    """True when the attempt just submitted in this request could not be enqueued."""
    return bool(g.get("grading_queue_down"))


def _watchdog(now):
    """When the reconciler should enqueue an attempt again if it is still not graded by then."""
    return now + timedelta(seconds=current_app.config["GRADING_STALE_AFTER"])


def llm() -> LLMClient:
    return current_app.extensions["llm"]


# The statements of grading, built once (building one costs a worker more CPU than running it).
_CLAIM = (update(Attempt)
          .where(Attempt.id == bindparam("attempt_id"),
                 or_(Attempt.status.in_([AttemptStatus.QUEUED.value, AttemptStatus.DELAYED.value]),
                     (Attempt.status == AttemptStatus.GRADING.value) & (Attempt.claimed_at < bindparam("stale"))))
          .values(status=AttemptStatus.GRADING.value, claimed_at=bindparam("claim_time"),
                  grading_runs=Attempt.grading_runs + 1)
          .returning(Attempt))
_LATEST_KAPPA = (select(CalibrationRun.kappa)
                 .where(CalibrationRun.exercise_slug == Exercise.slug,
                        CalibrationRun.exercise_version == Exercise.version)
                 .order_by(CalibrationRun.created_at.desc(), CalibrationRun.id.desc())
                 .limit(1).correlate(Exercise).scalar_subquery())
# An identical earlier submission (same exercise version, prompt, language and grader configuration)
# that was graded: its grade is reused without calling the model.
_IDENTICAL = (select(Attempt.id).where(
    Attempt.exercise_id == bindparam("exercise_id"), Attempt.prompt_hash == bindparam("prompt_hash"),
    Attempt.lang == bindparam("lang"), Attempt.grader_key == bindparam("grader_key"),
    Attempt.status == AttemptStatus.GRADED.value, Attempt.id != bindparam("attempt_id"))
    .order_by(Attempt.id).limit(1).scalar_subquery())
# All that grading reads, in one query: the exercise, its latest calibration (`lms grader eval
# --store`), the content version (it serves the session's content lookups afterwards: course,
# outline), an identical earlier answer, the confidentiality settings.
_READ = select(Exercise, _LATEST_KAPPA, content_cache.VERSION_COLUMN, _IDENTICAL,
               *map(settings.column, guard.SETTINGS)).where(Exercise.id == bindparam("exercise_id"))
_TABLE = Attempt.__table__
# The result, unless the attempt changed hands meanwhile (see _store). A Core statement: the
# ORM's bulk UPDATE machinery costs a worker CPU. The columns set are the parameters' other keys.
_STORE = update(_TABLE).where(_TABLE.c.id == bindparam("b_id"), _TABLE.c.grading_runs == bindparam("b_runs"),
                              _TABLE.c.status == AttemptStatus.GRADING.value, _TABLE.c.prompt != "")


def _claim(session: Session, attempt_id: int) -> Attempt | None:
    """Take the attempt for this worker (one UPDATE that also returns the row), or None when
    another worker holds it or it is already graded. Not committed: the caller commits it with the
    reads that follow, in one transaction (another worker's claim waits on the row meanwhile, then
    finds it taken)."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["GRADING_STALE_AFTER"])
    # A fresh session's: no other object to synchronise; the row is reloaded.
    return session.scalars(_CLAIM, {"attempt_id": attempt_id, "stale": stale, "claim_time": now},
                           execution_options={"populate_existing": True, "synchronize_session": False}).first()


def grade_attempt(session: Session, attempt_id: int) -> str | None:
    """Grade one attempt if no other worker holds it; returns its new status (None: skipped)."""
    cpu_started = time.thread_time()
    attempt = _claim(session, attempt_id)
    if attempt is None:
        session.rollback()  # ends the claim's transaction (SQLite's write lock) at once
        return None
    exercise, kappa, version, earlier_id, *confidentiality = session.execute(_READ, {
        "exercise_id": attempt.exercise_id, "attempt_id": attempt.id, "prompt_hash": attempt.prompt_hash,
        "lang": attempt.lang, "grader_key": attempt.grader_key}).one()
    content_cache.remember(version, session)
    cached = _cached_report(session, earlier_id) if attempt.prompt_hash and attempt.grader_key else None
    policy = guard.Policy(*map(settings.value_of, guard.SETTINGS, confidentiality))
    session.commit()  # the claim; and the connection goes back to the pool while the model is called
    try:
        report = cached or grade(exercise_spec(exercise), attempt.prompt, attempt.lang, llm(),
                                 outbound=policy.outbound)
    except Exception as exc:  # a grader bug: stored and shown as an error, never a zero
        log.exception("grading attempt %s failed", attempt_id)
        _store(session, attempt, status=AttemptStatus.ERROR.value, score=None, passed=None, report={
            "status": Status.ERROR.value, "error": f"{type(exc).__name__}: {exc}", "criteria": [], "flags": []})
        session.commit()
        return attempt.status
    now = utcnow()
    report.confidential = policy.for_grading(attempt.prompt).kinds
    if (report.status == Status.GRADED.value and not cached and kappa is not None
            and kappa < current_app.config["CALIBRATION_MIN_KAPPA"]):
        # The judge disagrees too often with trainers on this exercise: a trainer confirms.
        report.flags.append("calibration-below-bar")
        report.status, report.passed = Status.AWAITING_REVIEW.value, None
    report.cpu_ms = round((time.thread_time() - cpu_started) * 1000, 2)  # the final write is not counted
    retry_at = graded_at = None
    if report.status == Status.DELAYED.value:
        base = current_app.config["GRADING_RETRY_DELAY"]
        retry_at = now + timedelta(seconds=min(base * 2 ** max(attempt.grading_runs - 1, 0), MAX_RETRY_DELAY))
    else:
        graded_at = now
    if not _store(session, attempt, status=report.status, score=report.score, passed=report.passed,
                  report=report.to_dict(), retry_at=retry_at, graded_at=graded_at):
        session.rollback()
        log.info("attempt %s erased or taken over during grading: result dropped", attempt_id)
        return None
    xapi.attempt_graded(session, attempt)
    session.commit()
    if attempt.exam_session_id is not None:
        exams.refresh(session, session.get(ExamSession, attempt.exam_session_id))
    if attempt.passed or attempt.exam_session_id is not None:
        certification.check_after(session, attempt.user_id, course_of(session, attempt))
    return attempt.status


def _store(session: Session, attempt: Attempt, **values) -> bool:
    """Write this grading's result, unless the attempt changed hands meanwhile: its prompt erased
    (account deleted, retention purge) or its claim taken over by another worker after this one was
    presumed dead (`grading_runs` counts claims: it is the fencing token). One UPDATE, no re-read;
    the object takes the values written. False when nothing was written."""
    written = session.execute(_STORE, {"b_id": attempt.id, "b_runs": attempt.grading_runs, **values}).rowcount
    if written:
        for name, value in values.items():
            set_committed_value(attempt, name, value)
    return bool(written)


def course_of(session: Session, attempt: Attempt) -> int | None:
    """The course an attempt counts for: its exam's, or its exercise's module's."""
    if attempt.exam_session_id is not None:
        return session.get(ExamSession, attempt.exam_session_id).course_id
    exercise = session.get(Exercise, attempt.exercise_id)
    return content_cache.course_of_module(session, exercise.module_id)


def _cached_report(session: Session, earlier_id: int | None):
    """The grade of that earlier submission, without its LLM calls (none were made for this one)."""
    from graders.report import GradeReport

    report = session.scalar(select(Attempt.report).where(Attempt.id == earlier_id)) if earlier_id else None
    if not report:
        return None
    report = GradeReport.from_dict(report)
    report.cached_from = earlier_id
    report.calls, report.tokens_in, report.tokens_out, report.cost, report.latency_ms = [], 0, 0, 0.0, 0
    return report


def requeue_due(session: Session, now=None) -> int:
    """Re-enqueue attempts whose retry time has come: delayed ones after their backoff, and
    queued or grading ones whose job was lost with a worker or a queue. Returns the count."""
    now = now or utcnow()
    ids = list(session.exec(select(Attempt.id).where(
        Attempt.status.in_([AttemptStatus.QUEUED.value, AttemptStatus.DELAYED.value,
                            AttemptStatus.GRADING.value]),
        Attempt.retry_at <= now)))
    if ids:
        session.execute(update(Attempt).where(Attempt.id.in_(ids)).values(retry_at=_watchdog(now)))
        session.commit()
    lost = [i for i in ids if not current_app.extensions["queue"].enqueue(i)]
    if lost:  # the queue is still away: try again at the next run of the reconciler
        session.execute(update(Attempt).where(Attempt.id.in_(lost)).values(retry_at=now))
        session.commit()
    return len(ids)
