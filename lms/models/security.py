"""Sign-in throttling: failed sign-ins and account locks, kept in the database so that every web
process (gunicorn workers, several machines) sees the same counts."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from .base import utcnow


class LoginEvent(SQLModel, table=True):
    """One failed sign-in (`failure`) or one account lock (`lock`) for a key: `account:<hash of the
    e-mail typed>` (the same whether or not the account exists) or `ip:<client address>`."""
    __tablename__ = "login_event"
    __table_args__ = (Index("ix_login_event_key_created", "key", "created_at"),
                      Index("ix_login_event_created", "created_at"))
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=80)
    kind: str = Field(default="failure", max_length=10)
    created_at: datetime = Field(default_factory=utcnow)
