from __future__ import annotations

from datetime import datetime
from enum import Enum

from flask_login import UserMixin
from sqlalchemy import BigInteger
from sqlmodel import Field, SQLModel

from .base import utcnow


class Role(str, Enum):
    LEARNER = "learner"
    TRAINER = "trainer"
    HR = "hr"
    ADMIN = "admin"


class User(UserMixin, SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(max_length=254, unique=True, index=True)
    name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    role: str = Field(default=Role.LEARNER.value, max_length=20, index=True)
    locale: str | None = Field(default=None, max_length=5)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    deleted_at: datetime | None = None  # erased at the person's request: name and e-mail anonymised
    # raised by database triggers when the person's progress changes (migration 0014): the key of
    # pages that show it (learn/routes.py lesson)
    progress_version: int = Field(default=0, sa_type=BigInteger, sa_column_kwargs={"server_default": "0"})

    @property
    def is_active(self) -> bool:  # Flask-Login
        return self.active

    def has_role(self, *roles: str | Role) -> bool:
        return self.role in {r.value if isinstance(r, Role) else r for r in roles}
