from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import utcnow


class Certificate(SQLModel, table=True):
    """A certificate; `public_id` is what /verify/<id> and the printed certificate show."""
    __table_args__ = (UniqueConstraint("user_id", "course_id", "issued_at",
                                       name="uq_certificate_user_course_issued"),)
    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=40, unique=True, index=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    course_id: int = Field(foreign_key="course.id", index=True)
    holder_name: str = Field(max_length=200)
    title: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    issued_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    revoked_at: datetime | None = None
    revoked_reason: str | None = Field(default=None, max_length=500)
    details: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "valid"
