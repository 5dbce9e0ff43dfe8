"""The dashboard's aggregates kept in memory between requests (per process), so that a large
organisation's dashboard does not GROUP BY every person's tracks on every visit.

Never stale: an entry is keyed on hr_data_version, a counter that database triggers raise in every
transaction that changes assigned_track or cohort_member (a certificate issued or revoked when an
attempt is graded, an assignment, an import, an account switched off, or any SQL); and it ends at
the next change that time alone makes: midnight UTC (what is overdue) and the next expiry of a
certificate (what is certified). Without the counter's row, nothing is cached."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from typing import Callable, TypeVar

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlmodel import Session

from .. import db
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


def _fresh(entry: Entry | None, current: int, now: datetime) -> bool:
    return entry is not None and entry.version == current and entry.since <= now < entry.until


def cached(session: Session, name: str, now: datetime, compute: Callable[[], T]) -> T:
    """compute(), or its value from an earlier call on the same data at a time with the same figures."""
    if not has_app_context():
        return compute()
    current = version(session)
    if current is None:
        return compute()
    store: dict[str, Entry] = current_app.extensions.setdefault("hr_cache", {})
    entry = store.get(name)
    if _fresh(entry, current, now):
        return entry.value  # type: ignore[return-value]
    value = compute()
    store[name] = Entry(current, now, valid_until(session, now), value)
    return value


def warm(session: Session, now: datetime, computations: dict[str, Callable[[Session], object]]) -> list[str]:
    """Compute the missing entries side by side, each in its own thread on its own connection: on the
    first visit after a change the page waits for the longest aggregate, not for their sum (the
    databases run independent reads in parallel; SQLite's WAL lets readers share the file).
    Returns the names computed."""
    if not has_app_context() or (current := version(session)) is None:
        return []
    store: dict[str, Entry] = current_app.extensions.setdefault("hr_cache", {})
    cold = [name for name in computations if not _fresh(store.get(name), current, now)]
    if len(cold) < 2:
        return []  # nothing to gain: cached() computes the one missing in the request's session
    app = current_app._get_current_object()

    def run(name: str):
        with app.app_context(), db.new_session() as own:
            return computations[name](own)

    with ThreadPoolExecutor(max_workers=len(cold)) as pool:
        values = dict(zip(cold, pool.map(run, cold)))
    until = valid_until(session, now)
    for name, value in values.items():
        store[name] = Entry(current, now, until, value)
    return cold
