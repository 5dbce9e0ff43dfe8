"""What HR reads: completion and certification by department and cohort, progress over time, the
overdue list and the certificates about to expire. Aggregates are computed in SQL (GROUP BY);
groups with fewer people than the minimum are left out so that no figure singles anyone out, and so
are the groups that would give a hidden group's figures away by subtraction (see `suppress`)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Iterator

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.engine import Connection
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session

from ..models import AssignedTrack, Certificate, Cohort, CohortMember, Course, Department, DepartmentMember, User
from . import hr_cache
from .hr_org import status_rows

EXPIRY_WINDOW_DAYS = 90
MONTHS = 12


@dataclass
class Rates:
    people: int = 0
    tracks: int = 0
    completed: int = 0
    certified: int = 0
    overdue: int = 0

    def add(self, other: "Rates") -> None:
        for k in ("people", "tracks", "completed", "certified", "overdue"):
            setattr(self, k, getattr(self, k) + getattr(other, k))

    @property
    def completion_rate(self) -> int:
        return round(100 * self.completed / self.tracks) if self.tracks else 0

    @property
    def certification_rate(self) -> int:
        return round(100 * self.certified / self.tracks) if self.tracks else 0


@dataclass
class GroupRates(Rates):
    id: int = 0
    name: str = ""
    depth: int = 0


@dataclass
class Breakdown:
    groups: list[GroupRates] = field(default_factory=list)
    hidden: int = 0           # groups left out: fewer people than the minimum


def _sums(st, today: date) -> list[ColumnElement]:
    return [func.coalesce(func.sum(st.c.person), 0), func.count(),
            func.coalesce(func.sum(case((st.c.completed_at.is_not(None), 1), else_=0)), 0),
            func.coalesce(func.sum(st.c.certified), 0),
            func.coalesce(func.sum(case((and_(st.c.completed_at.is_(None), st.c.due_on < today), 1), else_=0)), 0)]


def _department_sums(session: Session, now: datetime) -> dict[int | None, Rates]:
    st = status_rows(now).subquery("st")
    rows = session.execute(select(st.c.department_id, *_sums(st, now.date())).select_from(st)
                           .group_by(st.c.department_id))
    return {r[0]: Rates(*[int(v or 0) for v in r[1:]]) for r in rows}


def _cohort_sums(session: Session, now: datetime) -> list[tuple[int, ...]]:
    st = status_rows(now).subquery("st")
    cm = CohortMember.__table__
    return [tuple(int(v or 0) for v in r) for r in session.execute(
        select(cm.c.cohort_id, *_sums(st, now.date()))
        .select_from(st.join(cm, cm.c.user_id == st.c.user_id)).group_by(cm.c.cohort_id))]


def _completed_by_month(session: Session) -> dict[str, int]:
    t = AssignedTrack.__table__
    month = _month(session, t.c.completed_at).label("month")
    return {m if isinstance(m, str) else f"{m:%Y-%m}": n for m, n in session.execute(
        select(month, func.count()).where(t.c.completed_at.is_not(None)).group_by(month))}


def warm(session: Session, now: datetime) -> list[str]:
    """The dashboard's aggregates that are not cached, computed side by side (see hr_cache.warm)."""
    return hr_cache.warm(session, now, {"department_sums": lambda s: _department_sums(s, now),
                                        "cohort_sums": lambda s: _cohort_sums(s, now),
                                        "completed_by_month": _completed_by_month})


def department_sums(session: Session, now: datetime) -> dict[int | None, Rates]:
    """Figures per department a person belongs to directly (None: no department): one GROUP BY
    over a covering index (cached: see hr_cache)."""
    return hr_cache.cached(session, "department_sums", now, lambda: _department_sums(session, now))


def totals(session: Session, now: datetime, sums: dict[int | None, Rates] | None = None) -> Rates:
    """The whole organisation: the sum of the departments (each person belongs to one at most)."""
    total = Rates()
    for rates in (department_sums(session, now) if sums is None else sums).values():
        total.add(rates)
    return total


def by_department(session: Session, now: datetime, min_size: int,
                  sums: dict[int | None, Rates] | None = None) -> Breakdown:
    """Each department with its sub-departments (a person belongs to one department, so the sums
    of the per-department GROUP BY roll up exactly along the tree)."""
    direct = department_sums(session, now) if sums is None else sums
    depts = {d.id: d for d in session.execute(select(Department.id, Department.parent_id, Department.path))}
    rolled: dict[int, GroupRates] = {}
    for dept_id, rates in direct.items():
        seen = set()
        while dept_id is not None and dept_id in depts and dept_id not in seen:
            seen.add(dept_id)
            d = depts[dept_id]
            group = rolled.setdefault(d.id, GroupRates(id=d.id, name=d.path, depth=d.path.count("/")))
            group.add(rates)
            dept_id = d.parent_id
    children: dict[int | None, list[GroupRates]] = {}
    for group in rolled.values():
        children.setdefault(depts[group.id].parent_id, []).append(group)
    shown = suppress(totals(session, now, direct), children, min_size)
    return Breakdown(sorted(shown, key=lambda g: g.name.lower()), len(rolled) - len(shown))


def by_cohort(session: Session, now: datetime, min_size: int, total: Rates | None = None) -> Breakdown:
    """Each cohort; the organisation's total is their parent for the subtraction rule (a person may
    be in several cohorts or in none)."""
    names = dict(session.execute(select(Cohort.id, Cohort.name)).all())
    groups = [GroupRates(*r[1:], id=r[0], name=names[r[0]])
              for r in hr_cache.cached(session, "cohort_sums", now, lambda: _cohort_sums(session, now))
              if r[0] in names]
    shown = suppress(totals(session, now) if total is None else total, {None: groups}, min_size)
    return Breakdown(sorted(shown, key=lambda g: g.name.lower()), len(groups) - len(shown))


def suppress(root: Rates, children: dict[int | None, list[GroupRates]], min_size: int) -> list[GroupRates]:
    """The groups that may be shown, from the top (`children[None]`, under `root`) down.
    Primary suppression: a group of fewer than `min_size` people is hidden, with everything under it.
    Secondary suppression: a parent's figures minus those of its shown children give away what is
    left (its own members and its hidden groups); that remainder must be nobody or at least
    `min_size` people, so the smallest shown siblings are hidden too (with what is under them)
    until it is. Every remainder is then a separate group of people big enough: no subtraction of
    the figures shown singles out fewer than `min_size` people."""
    shown: list[GroupRates] = []
    todo: list[tuple[int | None, Rates]] = [(None, root)]
    while todo:
        key, parent = todo.pop()
        kids = sorted((g for g in children.get(key, []) if g.people >= min_size), key=lambda g: (g.people, g.name))
        rest = parent.people - sum(g.people for g in kids)
        while kids and 0 < rest < min_size:
            rest += kids.pop(0).people
        shown += kids
        todo += [(g.id, g) for g in kids]
    return shown


# -- progress over time -----------------------------------------------------------------------
@dataclass
class Point:
    month: str     # YYYY-MM
    completed: int  # tracks completed by the end of the month (of those assigned today)
    rate: int       # percent of the assigned tracks


def _month(session: Session, column) -> ColumnElement:
    if session.get_bind().dialect.name == "postgresql":
        return func.date_trunc("month", func.timezone("UTC", column))  # a timestamp: formatted below
    return func.substr(column, 1, 7)  # SQLite keeps UTC as text: "YYYY-MM-DD HH:MM:SS..."


def months_back(today: date, count: int = MONTHS) -> list[str]:
    y, m = today.year, today.month
    out = []
    for _ in range(count):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def progress(session: Session, now: datetime, total: Rates, min_size: int) -> list[Point] | None:
    """Cumulative completion of today's assigned tracks at the end of each of the last months;
    None when fewer people than the minimum are assigned a track."""
    if total.people < min_size or not total.tracks:
        return None
    counts = hr_cache.cached(session, "completed_by_month", now, lambda: _completed_by_month(session))
    months = months_back(now.date())
    done = sum(n for m, n in counts.items() if m < months[0])
    points = []
    for m in months:
        done += counts.get(m, 0)
        points.append(Point(m, done, round(100 * done / total.tracks)))
    return points


# -- lists ------------------------------------------------------------------------------------
def _people(st):
    u, d = User.__table__, Department.__table__
    joined = st.join(u, u.c.id == st.c.user_id).outerjoin(d, d.c.id == st.c.department_id)
    return joined, u, d


def overdue_query(now: datetime):
    st = status_rows(now).subquery("st")
    joined, u, d = _people(st)
    return (select(u.c.id.label("user_id"), u.c.name, u.c.email, d.c.path.label("department"), st.c.course_id,
                   st.c.due_on)
            .select_from(joined).where(st.c.completed_at.is_(None), st.c.due_on < now.date())
            .order_by(st.c.due_on, st.c.user_id, st.c.course_id))  # the longest overdue first


def _expiring(now: datetime, days: int):
    """Valid certificates of active people expiring within `days`, unless a later certificate of
    the same track replaces them: (certificate table, user table, WHERE clause)."""
    c, u = Certificate.__table__, User.__table__
    newer = Certificate.__table__.alias("newer")
    replaced = (select(newer.c.id).where(newer.c.user_id == c.c.user_id, newer.c.course_id == c.c.course_id,
                                         newer.c.revoked_at.is_(None),
                                         or_(newer.c.expires_at.is_(None), newer.c.expires_at > c.c.expires_at))
                .exists())
    where = and_(c.c.revoked_at.is_(None), c.c.expires_at > now, c.c.expires_at <= now + timedelta(days=days),
                 u.c.active.is_(True), ~replaced)
    return c, u, where


def expiring_query(now: datetime, days: int = EXPIRY_WINDOW_DAYS):
    c, u, where = _expiring(now, days)
    dm, d = DepartmentMember.__table__, Department.__table__
    return (select(u.c.id.label("user_id"), u.c.name, u.c.email, d.c.path.label("department"), c.c.course_id,
                   c.c.public_id, c.c.expires_at)
            .select_from(c.join(u, u.c.id == c.c.user_id).outerjoin(dm, dm.c.user_id == u.c.id)
                         .outerjoin(d, d.c.id == dm.c.department_id))
            .where(where).order_by(c.c.expires_at, u.c.name))


def status_query(now: datetime):
    """Every person and assigned track: the full export."""
    st = status_rows(now).subquery("st")
    joined, u, d = _people(st)
    return (select(u.c.id.label("user_id"), u.c.name, u.c.email, d.c.path.label("department"), st.c.course_id,
                   st.c.due_on, st.c.completed_at, st.c.certified, st.c.valid_until)
            .select_from(joined).order_by(u.c.name, u.c.id, st.c.course_id))


def status_text_query(now: datetime, dialect: str):
    """The full export as text straight from the database: dates formatted and the status decided
    in SQL, so that writing a CSV row costs next to nothing in Python."""
    from sqlalchemy import String, cast

    from .hr_org import DUE_SOON_DAYS

    st = status_rows(now).subquery("st")
    joined, u, d = _people(st)
    today = now.date()

    def minutes(column):
        if dialect == "postgresql":
            return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD HH24:MI")
        return func.substr(cast(column, String), 1, 16)  # stored as "YYYY-MM-DD HH:MM:SS..." in UTC

    state = case((st.c.certified == 1, "certified"), (st.c.completed_at.is_not(None), "expired"),
                 (st.c.due_on < today, "overdue"), (st.c.due_on <= today + timedelta(days=DUE_SOON_DAYS), "due_soon"),
                 else_="pending")
    return (select(u.c.name, u.c.email, d.c.path, st.c.course_id, cast(st.c.due_on, String), state,
                   minutes(st.c.completed_at), minutes(st.c.valid_until))
            .select_from(joined).order_by(u.c.name, u.c.id, st.c.course_id))


def stream(conn: Connection, query, batch: int = 5000) -> Iterator:
    """Rows one by one, fetched in batches (a server-side cursor on PostgreSQL)."""
    result = conn.execution_options(stream_results=True, yield_per=batch).execute(query)
    yield from result


def course_names(session: Session, lang: str) -> dict[int, str]:
    from ..models.content import loc

    return {c.id: loc(c.title, lang) for c in session.execute(select(Course)).scalars()}
