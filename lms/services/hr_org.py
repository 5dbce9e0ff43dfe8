"""The organisation: departments by path, cohorts, assignments, and which tracks each person must
complete by when (an assignment to a department covers its sub-departments)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import Connection, and_, case, func, literal, or_, union_all
from sqlalchemy.sql import Select
from sqlmodel import Session, select

from ..models import (AssignedTrack, Assignment, Certificate, Cohort, CohortMember, Course, Department,
                      DepartmentMember, User)
from ..models.base import utcnow
from . import review

SEPARATOR = "/"
MAX_NAME = 120
DUE_SOON_DAYS = 14


class OrgError(ValueError):
    """The change cannot be made; the message says why."""


def split_path(path: str) -> list[str]:
    """"Sales / West" -> ["Sales", "West"]; raises OrgError on an empty or too long part."""
    parts = [p.strip() for p in (path or "").split(SEPARATOR)]
    if not any(parts):
        return []
    if any(not p for p in parts):
        raise OrgError(_l("A department path has an empty part: %(path)s", path=path))
    if any(len(p) > MAX_NAME for p in parts):
        raise OrgError(_l("A department name is longer than %(max)d characters.", max=MAX_NAME))
    return parts


def ensure_department(session: Session, parts: list[str], known: dict[str, Department] | None = None) -> Department:
    """The department at this path, created with its missing parents (not committed)."""
    known = {} if known is None else known
    parent: Department | None = None
    for i in range(len(parts)):
        path = SEPARATOR.join(parts[: i + 1])
        dept = known.get(path) or session.exec(select(Department).where(Department.path == path)).first()
        if dept is None:
            dept = Department(name=parts[i], path=path, parent_id=parent.id if parent else None)
            session.add(dept)
            session.flush()
        known[path] = dept
        parent = dept
    assert parent is not None
    return parent


def ensure_cohort(session: Session, name: str, known: dict[str, Cohort] | None = None) -> Cohort:
    known = {} if known is None else known
    cohort = known.get(name) or session.exec(select(Cohort).where(Cohort.name == name)).first()
    if cohort is None:
        cohort = Cohort(name=name)
        session.add(cohort)
        session.flush()
    known[name] = cohort
    return cohort


def departments(session: Session) -> list[Department]:
    return list(session.exec(select(Department).order_by(Department.path)))


def cohorts(session: Session) -> list[Cohort]:
    return list(session.exec(select(Cohort).order_by(Cohort.name)))


def tracks(session: Session) -> list[Course]:
    """Courses that can be assigned: published, with a certification that marks completion."""
    return [c for c in session.exec(select(Course).where(Course.status == "published").order_by(Course.position))
            if c.certification]


# -- assignments ------------------------------------------------------------------------------
def assign(session: Session, actor: User, course_id: int, due_on: date, *, department_id: int | None = None,
           cohort_id: int | None = None, email: str | None = None) -> Assignment:
    course = session.get(Course, course_id)
    if course is None or course not in tracks(session):
        raise OrgError(_l("Choose a published course with a certification."))
    if sum(x is not None and x != "" for x in (department_id, cohort_id, email)) != 1:
        raise OrgError(_l("Choose one department, one cohort or one person."))
    user_id = None
    if email:
        user = session.exec(select(User).where(User.email == email.strip().lower())).first()
        if user is None:
            raise OrgError(_l("No account has the e-mail address %(email)s.", email=email))
        user_id = user.id
    if department_id is not None and session.get(Department, department_id) is None:
        raise OrgError(_l("This department does not exist."))
    if cohort_id is not None and session.get(Cohort, cohort_id) is None:
        raise OrgError(_l("This cohort does not exist."))
    row = Assignment(course_id=course_id, department_id=department_id, cohort_id=cohort_id, user_id=user_id,
                     due_on=due_on, created_by=actor.id)
    session.add(row)
    session.flush()
    refresh_tracks(session)
    review.audit(session, actor.id, "assignment_created", f"assignment:{row.id}", course=course.slug,
                 due_on=due_on.isoformat(), department_id=department_id, cohort_id=cohort_id, user_id=user_id)
    session.commit()
    return row


def delete_assignment(session: Session, actor: User, assignment: Assignment) -> None:
    review.audit(session, actor.id, "assignment_deleted", f"assignment:{assignment.id}",
                 course_id=assignment.course_id, due_on=assignment.due_on.isoformat())
    session.delete(assignment)
    session.flush()
    refresh_tracks(session)
    session.commit()


@dataclass
class AssignmentRow:
    assignment: Assignment
    course: Course
    target: str      # the department path, cohort name or person's e-mail address
    kind: str        # department | cohort | person


def assignment_rows(session: Session) -> list[AssignmentRow]:
    query = (select(Assignment, Course, Department.path, Cohort.name, User.email)
             .join(Course, Course.id == Assignment.course_id)
             .outerjoin(Department, Department.id == Assignment.department_id)
             .outerjoin(Cohort, Cohort.id == Assignment.cohort_id)
             .outerjoin(User, User.id == Assignment.user_id)
             .order_by(Assignment.due_on, Assignment.id))
    rows = []
    for a, course, path, cohort, email in session.exec(query):
        kind = "department" if a.department_id else "cohort" if a.cohort_id else "person"
        rows.append(AssignmentRow(a, course, path or cohort or email or "", kind))
    return rows


# -- who must complete what by when ----------------------------------------------------------
def assigned_pairs(user_id: int | None = None) -> Select:
    """(user_id, course_id, due_on): every track each person must complete, with the earliest due
    date when several assignments give it; one SQL query (UNION ALL, then GROUP BY)."""
    a, cm, dm = Assignment.__table__, CohortMember.__table__, DepartmentMember.__table__
    top, sub = Department.__table__.alias("top_dept"), Department.__table__.alias("sub_dept")
    person = select(a.c.user_id.label("user_id"), a.c.course_id, a.c.due_on).where(a.c.user_id.is_not(None))
    cohort = select(cm.c.user_id, a.c.course_id, a.c.due_on).select_from(a.join(cm, cm.c.cohort_id == a.c.cohort_id))
    in_subtree = or_(sub.c.id == top.c.id,
                     func.substr(sub.c.path, 1, func.length(top.c.path) + 1) == top.c.path + SEPARATOR)
    dept = (select(dm.c.user_id, a.c.course_id, a.c.due_on)
            .select_from(a.join(top, top.c.id == a.c.department_id).join(sub, in_subtree)
                         .join(dm, dm.c.department_id == sub.c.id)))
    if user_id is not None:
        person = person.where(a.c.user_id == user_id)
        cohort = cohort.where(cm.c.user_id == user_id)
        dept = dept.where(dm.c.user_id == user_id)
    pairs = union_all(person, cohort, dept).subquery("assigned")
    return (select(pairs.c.user_id, pairs.c.course_id, func.min(pairs.c.due_on).label("due_on"))
            .group_by(pairs.c.user_id, pairs.c.course_id))


def certificate_summary(now: datetime) -> Select:
    """Per person and course: first completion (a certificate not revoked), whether one is valid
    now, and until when (NULL: no expiry)."""
    c = Certificate.__table__
    valid = and_(c.c.revoked_at.is_(None), or_(c.c.expires_at.is_(None), c.c.expires_at > now))
    return (select(c.c.user_id, c.c.course_id, func.min(c.c.issued_at).label("completed_at"),
                   func.max(case((valid, 1), else_=0)).label("certified"),
                   case((func.count() > func.count(c.c.expires_at), literal(None)),
                        else_=func.max(c.c.expires_at)).label("valid_until"))
            .where(c.c.revoked_at.is_(None)).group_by(c.c.user_id, c.c.course_id))


def refresh_tracks(db: Session | Connection, user_id: int | None = None) -> int:
    """Rebuild assigned_track (for everyone, or one person) from the assignments, memberships and
    certificates of active accounts: one DELETE and one INSERT ... SELECT, in the caller's
    transaction. Returns the number of rows for everyone."""
    now = utcnow()
    pairs = assigned_pairs(user_id).subquery("pairs")
    certs = certificate_summary(now).subquery("certs")
    dm, t, u = DepartmentMember.__table__, AssignedTrack.__table__, User.__table__
    first = case((func.row_number().over(partition_by=pairs.c.user_id, order_by=pairs.c.course_id) == 1, 1),
                 else_=0)
    source = (select(pairs.c.user_id, pairs.c.course_id, dm.c.department_id, pairs.c.due_on, certs.c.completed_at,
                     certs.c.valid_until, first)
              .select_from(pairs.join(u, u.c.id == pairs.c.user_id)
                           .outerjoin(dm, dm.c.user_id == pairs.c.user_id)
                           .outerjoin(certs, and_(certs.c.user_id == pairs.c.user_id,
                                                  certs.c.course_id == pairs.c.course_id)))
              .where(u.c.active.is_(True)))
    db.execute(t.delete() if user_id is None else t.delete().where(t.c.user_id == user_id))
    db.execute(t.insert().from_select(
        ["user_id", "course_id", "department_id", "due_on", "completed_at", "valid_until", "person"], source))
    return db.execute(select(func.count()).select_from(t)).scalar_one()


def status_rows(now: datetime, user_id: int | None = None) -> Select:
    """One row per active person and assigned track: department, due date, completion and whether
    a certificate is valid now (read from assigned_track: nothing is recomputed per request)."""
    t = AssignedTrack.__table__
    certified = case((and_(t.c.completed_at.is_not(None), or_(t.c.valid_until.is_(None), t.c.valid_until > now)), 1),
                     else_=0)
    query = select(t.c.user_id, t.c.course_id, t.c.department_id, t.c.due_on, t.c.completed_at,
                   certified.label("certified"), t.c.valid_until, t.c.person)
    return query if user_id is None else query.where(t.c.user_id == user_id)


STATE_LABELS = {
    "certified": _l("certified"),
    "expired": _l("completed, certificate expired"),
    "overdue": _l("overdue"),
    "due_soon": _l("due soon"),
    "pending": _l("to do"),
}


def state_of(completed_at, certified, due_on: date, today: date) -> str:
    if certified:
        return "certified"
    if completed_at is not None:
        return "expired"
    if due_on < today:
        return "overdue"
    if due_on <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "pending"


@dataclass
class MyAssignment:
    course: Course
    due_on: date
    state: str
    days: int   # days left (negative: days late)


def my_assignments(session: Session, user_id: int) -> list[MyAssignment]:
    now = utcnow()
    today = now.date()
    rows = session.execute(status_rows(now, user_id).order_by("due_on")).all()
    courses = {c.id: c for c in session.exec(select(Course).where(Course.id.in_([r.course_id for r in rows])))}
    return [MyAssignment(courses[r.course_id], r.due_on, state_of(r.completed_at, r.certified, r.due_on, today),
                         (r.due_on - today).days) for r in rows if r.course_id in courses]
