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
        Index("ix_attempt_cache", "exercise_id", "prompt_hash", "lang", "grader_key"),
        Index("ix_attempt_user_created", "user_id", "created_at"),
        Index("ix_attempt_purge", "purged_at", "created_at"),  # the retention purge (services/privacy.py)
    )
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    exercise_id: int = Field(foreign_key="exercise.id", index=True)
    exam_session_id: int | None = Field(default=None, foreign_key="exam_session.id", index=True)
    lang: str = Field(default="en", max_length=5)
    prompt: str = Field(sa_column=Column(Text, nullable=False))
    prompt_hash: str = Field(default="", max_length=64)
    status: str = Field(default=AttemptStatus.QUEUED.value, max_length=20)
    score: float | None = None
    passed: bool | None = None
    report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    grader_key: str = Field(default="", max_length=64)  # grader version + models: the cache key
    grading_runs: int = 0
    retry_at: datetime | None = None
    claimed_at: datetime | None = None
    created_at: datetime = Field(default_factory=utcnow)
    graded_at: datetime | None = None
    reviewed_at: datetime | None = None
    reviewed_by: int | None = Field(default=None, foreign_key="user.id")
    # When the prompt, the model's output and the judge's reply were erased (retention limit or
    # account deleted); the score, status and dates stay.
    purged_at: datetime | None = None


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "quiz_attempt"
    __table_args__ = (Index("ix_quiz_attempt_user_quiz", "user_id", "quiz_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    quiz_id: int = Field(foreign_key="quiz.id")
    answers: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    score: float
    passed: bool
    created_at: datetime = Field(default_factory=utcnow)


class ExamStatus(str, Enum):
    IN_PROGRESS = "in_progress"
    PENDING = "pending"      # every answer submitted, some grades not final yet
    PASSED = "passed"
    FAILED = "failed"


class ExamSession(SQLModel, table=True):
    """One sitting of a course's final exam: the exercises drawn and the result."""
    __tablename__ = "exam_session"
    __table_args__ = (Index("ix_exam_session_user_course", "user_id", "course_id"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    course_id: int = Field(foreign_key="course.id")
    exercise_ids: list[int] = Field(sa_column=Column(JSON, nullable=False))
    status: str = Field(default=ExamStatus.IN_PROGRESS.value, max_length=20)
    score: float | None = None
    module_scores: dict[str, float] | None = Field(default=None, sa_column=Column(JSON))
    started_at: datetime = Field(default_factory=utcnow)
    completed_at: datetime | None = None


class TargetRun(SQLModel, table=True):
    """A learner's prompt run on the target model from the editor (not a graded attempt)."""
    __tablename__ = "target_run"
    __table_args__ = (Index("ix_target_run_user_created", "user_id", "created_at"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id")
    exercise_id: int = Field(foreign_key="exercise.id")
    created_at: datetime = Field(default_factory=utcnow)
    model: str = Field(default="", max_length=200)
    tokens_in: int = 0
    tokens_out: int = 0
    cost: float = 0.0
    latency_ms: int = 0
    findings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    policy: str = Field(default="", max_length=10)
    sent: bool = True
