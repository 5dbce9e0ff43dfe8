"""The dashboard's aggregates kept in memory between requests (per process), so that a large
organisation's dashboard does not GROUP BY every person's tracks on every visit.

Never stale: an entry is keyed on hr_data_version, a counter that database triggers raise in every
transaction that changes assigned_track or cohort_member (a certificate issued or revoked when an
attempt is graded, an assignment, an import, an account switched off, or any SQL); and it ends at
the next change that time alone makes: midnight UTC (what is overdue) and the next expiry of a
certificate (what is certified). Without the counter's row, nothing is cached."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Callable, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlmodel import Session

from ..models import AssignedTrack
from ..models.org import HrDataVersion

T = TypeVar("T")
MAX_AGE = timedelta(hours=1)  # a bound, not needed for correctness


@dataclass
class Entry:
    version: int
    since: datetime
    until: datetime
    value: object


def version(session: Session) -> int | None:
    return session.execute(select(HrDataVersion.version).where(HrDataVersion.id == 1)).scalar()


def valid_until(session: Session, now: datetime) -> datetime:
    """The first moment the figures change with no change of data."""
    midnight = datetime.combine(now.astimezone(timezone.utc).date() + timedelta(days=1), time(), timezone.utc)
    t = AssignedTrack.__table__
    expiry = session.execute(select(func.min(t.c.valid_until)).where(t.c.valid_until > now)).scalar()
    return min(x for x in (midnight, expiry, now + MAX_AGE) if x is not None)


def cached(session: Session, name: str, now: datetime, compute: Callable[[], T]) -> T:
    """compute(), or its value from an earlier call on the same data at a time with the same figures."""
    if not has_app_context():
        return compute()
    current = version(session)
    if current is None:
        return compute()
    store: dict[str, Entry] = current_app.extensions.setdefault("hr_cache", {})
    entry = store.get(name)
    if entry is not None and entry.version == current and entry.since <= now < entry.until:
        return entry.value  # type: ignore[return-value]
    value = compute()
    store[name] = Entry(current, now, valid_until(session, now), value)
    return value
