"""Human oversight: trainers' overrides, learners' appeals, notifications, the audit log."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import utcnow


class Override(SQLModel, table=True):
    """A trainer's review of an attempt: what the grade was, what it became, and why."""
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id", index=True)
    reviewer_id: int = Field(foreign_key="user.id")
    created_at: datetime = Field(default_factory=utcnow)
    # {criterion id: {"before": level or 0/1 or null, "after": level or 0/1, "comment": str}}
    criteria: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    comment: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    score_before: float | None = None
    score_after: float | None = None
    passed_after: bool | None = None


class Appeal(SQLModel, table=True):
    """A learner asks for a human review of one attempt (once per attempt)."""
    __table_args__ = (UniqueConstraint("attempt_id", name="uq_appeal_attempt_id"),)
    id: int | None = Field(default=None, primary_key=True)
    attempt_id: int = Field(foreign_key="attempt.id")
    user_id: int = Field(foreign_key="user.id")
    reason: str = Field(sa_column=Column(Text, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    resolved_at: datetime | None = None
    resolved_by: int | None = Field(default=None, foreign_key="user.id")


class Notification(SQLModel, table=True):
    __table_args__ = (Index("ix_notification_user_read", "user_id", "read_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    kind: str = Field(max_length=40)            # e.g. attempt_reviewed
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    read_at: datetime | None = None


class AuditEvent(SQLModel, table=True):
    """Who did what, when: overrides, settings, prompt text read by HR, revocations..."""
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_created", "created_at"),
                      Index("ix_audit_event_action_created", "action", "created_at"),  # the admin's filters
                      Index("ix_audit_event_actor_created", "actor_id", "created_at"))
    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow)
    actor_id: int | None = Field(default=None, foreign_key="user.id")
    action: str = Field(max_length=60)
    target: str = Field(default="", max_length=120)
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class TrainerAssignment(SQLModel, table=True):
    """Which courses a trainer reviews and edits (assigned by an admin)."""
    __tablename__ = "trainer_assignment"
    __table_args__ = (UniqueConstraint("user_id", "course_id", name="uq_trainer_assignment_user_course"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    course_id: int = Field(foreign_key="course.id", index=True)


class CalibrationRun(SQLModel, table=True):
    """The result of `lms grader eval --store` for one exercise version."""
    __tablename__ = "calibration_run"
    __table_args__ = (Index("ix_calibration_run_exercise", "exercise_slug", "exercise_version", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    exercise_slug: str = Field(max_length=100)
    exercise_version: int
    created_at: datetime = Field(default_factory=utcnow)
    model: str = Field(default="", max_length=200)
    samples: int = 0
    exact: float = 0.0
    adjacent: float = 0.0
    kappa: float = 0.0
    pass_accuracy: float = 0.0
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
