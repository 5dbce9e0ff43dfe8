from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from .base import utcnow


class Setting(SQLModel, table=True):
    """An organisation setting changed by an admin (see lms/services/settings.py for the keys)."""
    key: str = Field(primary_key=True, max_length=60)
    value: Any = Field(sa_column=Column(JSON, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="user.id")
