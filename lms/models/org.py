"""The organisation as HR sees it: departments (nested), cohorts, who belongs where, the tracks
assigned with a due date, the reminders already sent, and the API tokens of the HR system."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (BigInteger, CheckConstraint, Connection, Index, UniqueConstraint, and_, case, event, func,
                        inspect, select, update)
from sqlmodel import Field, SQLModel

from .base import utcnow
from .certificates import Certificate
from .users import User


class Department(SQLModel, table=True):
    """A department; `path` is its full name from the top ("Sales/West"), unique."""
    __table_args__ = (Index("ix_department_parent", "parent_id"),)
    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="department.id")
    name: str = Field(max_length=120)
    path: str = Field(max_length=500, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class DepartmentMember(SQLModel, table=True):
    """Each person belongs to one department at most."""
    __tablename__ = "department_member"
    __table_args__ = (UniqueConstraint("user_id", name="uq_department_member_user_id"),
                      Index("ix_department_member_department_user", "department_id", "user_id"))
    id: int | None = Field(default=None, primary_key=True)
    department_id: int = Field(foreign_key="department.id")
    user_id: int = Field(foreign_key="user.id")


class Cohort(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True, index=True)
    created_at: datetime = Field(default_factory=utcnow)


class CohortMember(SQLModel, table=True):
    """A person may belong to several cohorts."""
    __tablename__ = "cohort_member"
    __table_args__ = (UniqueConstraint("cohort_id", "user_id", name="uq_cohort_member_cohort_user"),
                      Index("ix_cohort_member_user", "user_id"))
    id: int | None = Field(default=None, primary_key=True)
    cohort_id: int = Field(foreign_key="cohort.id")
    user_id: int = Field(foreign_key="user.id")


class Assignment(SQLModel, table=True):
    """A course (certification track) to complete by a date, for exactly one department (and its
    sub-departments), one cohort or one person."""
    __table_args__ = (
        CheckConstraint("(CASE WHEN department_id IS NULL THEN 0 ELSE 1 END) + (CASE WHEN cohort_id IS NULL "
                        "THEN 0 ELSE 1 END) + (CASE WHEN user_id IS NULL THEN 0 ELSE 1 END) = 1", name="one_target"),
        Index("ix_assignment_department", "department_id", "course_id"),
        Index("ix_assignment_cohort", "cohort_id", "course_id"),
        Index("ix_assignment_user", "user_id", "course_id"),
        Index("ix_assignment_course_due", "course_id", "due_on"),
    )
    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    cohort_id: int | None = Field(default=None, foreign_key="cohort.id")
    user_id: int | None = Field(default=None, foreign_key="user.id")
    due_on: date
    created_at: datetime = Field(default_factory=utcnow)
    created_by: int | None = Field(default=None, foreign_key="user.id")


class AssignedTrack(SQLModel, table=True):
    """Derived, for HR's reports: each active person's assigned track (the earliest due date when
    several assignments give it), their department, and the track's completion. Rebuilt from the
    assignments and memberships by services.hr_org.refresh_tracks (after an assignment or an
    import); kept in step with certificates and with accounts switched off by the listeners below."""
    __tablename__ = "assigned_track"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_assigned_track_user_course"),
                      # covering indexes: the GROUP BY department, the join with cohorts, the
                      # overdue list and reminders, progress month by month
                      Index("ix_assigned_track_department", "department_id", "person", "due_on", "completed_at",
                            "valid_until"),
                      Index("ix_assigned_track_user_state", "user_id", "person", "due_on", "completed_at",
                            "valid_until"),
                      Index("ix_assigned_track_due", "due_on", "completed_at"),
                      # the overdue list, longest overdue first: read in index order, no sort
                      Index("ix_assigned_track_open_due", "completed_at", "due_on", "user_id", "course_id"),
                      Index("ix_assigned_track_completed", "completed_at"),
                      Index("ix_assigned_track_valid_until", "valid_until"))  # the next expiry (hr_cache)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    course_id: int = Field(foreign_key="course.id")
    department_id: int | None = Field(default=None, foreign_key="department.id")
    due_on: date
    completed_at: datetime | None = None   # first certificate (not revoked) of the track
    valid_until: datetime | None = None    # latest expiry of those certificates; NULL: one never expires
    person: int = 0  # 1 on exactly one row per person: SUM(person) counts people, no COUNT(DISTINCT)


class HrDataVersion(SQLModel, table=True):
    """One row (id 1): a counter that database triggers raise in every transaction that changes
    assigned_track or cohort_member, whoever changes them (migration 0012). The key of the
    dashboard's cached aggregates (services/hr_cache.py)."""
    __tablename__ = "hr_data_version"
    id: int | None = Field(default=None, primary_key=True)
    version: int = Field(default=0, sa_type=BigInteger)


class Reminder(SQLModel, table=True):
    """A reminder e-mail sent (or being sent): one per person, track, kind and due date, ever."""
    __table_args__ = (UniqueConstraint("user_id", "course_id", "kind", "due_on", name="uq_reminder_once"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    course_id: int = Field(foreign_key="course.id")
    kind: str = Field(max_length=10)  # due_soon | overdue
    due_on: date
    sent_at: datetime = Field(default_factory=utcnow)


class ApiToken(SQLModel, table=True):
    """A read-only token of the HR information system; only its SHA-256 hash is kept."""
    __tablename__ = "api_token"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120)
    token_hash: str = Field(max_length=64, unique=True, index=True)
    prefix: str = Field(max_length=12)  # the first characters, to recognise a token in the list
    created_by: int | None = Field(default=None, foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None


# Indexes on other areas' tables that HR's reports need (declared here, with the reports):
# the status of each person's track, certificates about to expire, the people list by name.
_cert = Certificate.__table__.c
Index("ix_certificate_user_course_dates", _cert.user_id, _cert.course_id, _cert.revoked_at, _cert.issued_at,
      _cert.expires_at)
Index("ix_certificate_expires", _cert.expires_at)
Index("ix_user_name", User.__table__.c.name)


def sync_certificate(connection: Connection, user_id: int, course_id: int) -> None:
    """Recompute the completion of one person's track from their certificates."""
    c, t = Certificate.__table__, AssignedTrack.__table__
    mine = and_(c.c.user_id == user_id, c.c.course_id == course_id, c.c.revoked_at.is_(None))
    connection.execute(
        update(t).where(t.c.user_id == user_id, t.c.course_id == course_id).values(
            completed_at=select(func.min(c.c.issued_at)).where(mine).scalar_subquery(),
            valid_until=select(case((func.count() > func.count(c.c.expires_at), None),
                                    else_=func.max(c.c.expires_at))).where(mine).scalar_subquery()))


@event.listens_for(Certificate, "after_insert")
@event.listens_for(Certificate, "after_update")
@event.listens_for(Certificate, "after_delete")
def _certificate_changed(_mapper, connection: Connection, cert: Certificate) -> None:
    """A certificate issued, revoked or removed: its track's completion follows, in the same transaction."""
    sync_certificate(connection, cert.user_id, cert.course_id)


@event.listens_for(User, "after_update")
def _user_changed(_mapper, connection: Connection, user: User) -> None:
    """An account switched off leaves HR's figures; switched on again, it comes back."""
    if inspect(user).attrs.active.history.has_changes():
        from ..services.hr_org import refresh_tracks

        refresh_tracks(connection, user_id=user.id)
