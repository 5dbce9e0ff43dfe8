"""Per-learner daily limits on target runs and graded submissions (the organisation's budget)."""
from __future__ import annotations

from datetime import datetime, time, timezone

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, update
from sqlmodel import Session, select

from ..models import Attempt, TargetRun, User
from ..models.base import utcnow
from . import settings


class BudgetExceeded(ValueError):
    pass


def _day_start(now: datetime) -> datetime:
    return datetime.combine(now.date(), time.min, tzinfo=timezone.utc)


def runs_today(session: Session, user_id: int, now: datetime | None = None) -> int:
    start = _day_start(now or utcnow())
    return session.exec(select(func.count()).select_from(TargetRun).where(
        TargetRun.user_id == user_id, TargetRun.created_at >= start)).one()


def submissions_today(session: Session, user_id: int, now: datetime | None = None) -> int:
    start = _day_start(now or utcnow())
    return session.exec(select(func.count()).select_from(Attempt).where(
        Attempt.user_id == user_id, Attempt.created_at >= start,
        Attempt.exam_session_id == None)).one()  # noqa: E711  (exam answers are never refused)


def hold_learner(session: Session, user_id: int) -> None:
    """Take the learner's lock until the transaction ends, so that two submissions of one learner
    arriving at the same moment on two processes are counted one after the other (the daily limit,
    the double-submit check). PostgreSQL locks the learner's row; SQLite has one writer at a time,
    and a write as the transaction's first statement makes it wait for the other writer."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(User).where(User.id == user_id).values(id=User.id))
    else:
        session.execute(select(User.id).where(User.id == user_id).with_for_update())


def check_run(session: Session, user_id: int) -> None:
    limit = int(settings.get(session, "daily_runs"))
    if runs_today(session, user_id) >= limit:
        raise BudgetExceeded(_l("You have used today's %(n)d runs on the model. You can still submit "
                                "your prompt for grading; runs are available again tomorrow.", n=limit))


def reserve_run(session: Session, user_id: int, run: TargetRun) -> TargetRun:
    """Count a run on the model before it is made: under the learner's lock, the daily limit is
    checked and the run stored (committed, so the lock is not held during the model's answer). Runs
    of one learner fired at the same moment, on any process, then never pass the limit."""
    hold_learner(session, user_id)
    try:
        check_run(session, user_id)
    except BudgetExceeded:
        session.rollback()
        raise
    session.add(run)
    session.commit()
    return run


def check_submission(session: Session, user_id: int) -> None:
    limit = int(settings.get(session, "daily_submissions"))
    if submissions_today(session, user_id) >= limit:
        raise BudgetExceeded(_l("You have made today's %(n)d graded submissions. Your draft is kept; "
                                "submit it again tomorrow.", n=limit))
