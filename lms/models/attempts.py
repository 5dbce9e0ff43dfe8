"""What learners do: lessons marked done and graded attempts."""
from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import JSON, Column, Index, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import utcnow


class AttemptStatus(str, Enum):
    QUEUED = "queued"                    # stored, waiting for a worker
    GRADING = "grading"                  # a worker holds it
    GRADED = "graded"
    AWAITING_REVIEW = "awaiting_review"  # a trainer must score some criteria or confirm
    DELAYED = "delayed"                  # the model failed; retried at retry_at
    ERROR = "error"                      # the grader failed; shown and reviewed, never a zero


FINAL_STATUSES = {AttemptStatus.GRADED.value, AttemptStatus.AWAITING_REVIEW.value,
                  AttemptStatus.ERROR.value}


class LessonProgress(SQLModel, table=True):
    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "lesson_id", name="uq_lesson_progress_user_lesson"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    lesson_id: int = Field(foreign_key="lesson.id", index=True)
    completed_at: datetime = Field(default_factory=utcnow)


class Attempt(SQLModel, table=True):
    __table_args__ = (
        Index("ix_attempt_user_exercise", "user_id", "exercise_id"),
        Index("ix_attempt_status_retry", "status", "retry_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    lang: str = Field(default="en", max_length=5)
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default=AttemptStatus.QUEUED.value, max_length=20)
    score: float | None = None
    passed: bool | None = None
    report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    grading_runs: int = 0
    retry_at: datetime | None = None
    claimed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    graded_at: datetime | None = None
