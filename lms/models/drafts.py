"""Prompt drafts: what a learner has typed in an exercise's editor and not submitted yet.

One row per (user, exercise slug): the slug, not the version's id, so that a draft survives a new
version of the exercise. The text is the learner's own data: shown only to them, escaped, and
removed with their other data.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import utcnow


class PromptDraft(SQLModel, table=True):
    __tablename__ = "prompt_draft"
    __table_args__ = (UniqueConstraint("user_id", "exercise_slug", name="uq_prompt_draft_user_exercise"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True)
    exercise_slug: str = Field(max_length=100)
    text: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow)
