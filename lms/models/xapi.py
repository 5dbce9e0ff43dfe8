"""The xAPI outbox: statements for the organisation's LRS, written in the same transaction as the
event they describe, then delivered (and retried) by the queue. See lms/services/xapi.py."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from .base import utcnow


class XapiStatement(SQLModel, table=True):
    __tablename__ = "xapi_outbox"
    __table_args__ = (Index("ix_xapi_outbox_pending", "delivered_at", "rejected_at", "created_at"),)
    id: str = Field(primary_key=True, max_length=36)     # the statement's own id (a UUID)
    verb: str = Field(max_length=20)                      # attempted | passed | failed | completed
    statement: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow)
    tries: int = 0
    next_try_at: datetime | None = None                   # backoff after a failed delivery
    delivered_at: datetime | None = None
    rejected_at: datetime | None = None                   # refused by the LRS (400, 409): not sent again
    last_error: str | None = Field(default=None, max_length=300)
