"""Courses, modules, lessons and exercises, loaded from files by `lms content sync`."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from .base import utcnow


def loc(texts: dict[str, str] | None, lang: str) -> str:
    texts = texts or {}
    return texts.get(lang) or texts.get("en") or ""


class Course(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=100, unique=True, index=True)
    position: int = 0
    title: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    summary: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    certification: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    exam: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    status: str = Field(default="published", max_length=20)  # draft | published | archived
    updated_at: datetime = Field(default_factory=utcnow)

    @property
    def published(self) -> bool:
        return self.status == "published"


class Module(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("course_id", "slug", name="uq_module_course_slug"),)
    id: int | None = Field(default=None, primary_key=True)
    course_id: int = Field(foreign_key="course.id", index=True)
    slug: str = Field(max_length=100)
    position: int = 0
    title: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    summary: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))


class Lesson(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("module_id", "slug", name="uq_lesson_module_slug"),)
    id: int | None = Field(default=None, primary_key=True)
    module_id: int = Field(foreign_key="module.id", index=True)
    slug: str = Field(max_length=100)
    position: int = 0
    minutes: int = 5
    title: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    body: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))


class Exercise(SQLModel, table=True):
    """One version of a rubric exercise; attempts point at the version they were graded against."""
    __table_args__ = (UniqueConstraint("slug", "version", name="uq_exercise_slug_version"),)
    id: int | None = Field(default=None, primary_key=True)
    slug: str = Field(max_length=100, index=True)
    version: int = 1
    current: bool = Field(default=True, index=True)
    exam: bool = Field(default=False)  # in the exam pool, not listed as practice
    module_id: int | None = Field(default=None, foreign_key="module.id", index=True)
    position: int = 0
    title: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    spec: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    source: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    status: str = Field(default="published", max_length=20)  # draft | published | archived
    updated_at: datetime = Field(default_factory=utcnow)
    updated_by: int | None = Field(default=None, foreign_key="user.id")


class Quiz(SQLModel, table=True):
    """A module's knowledge quiz (courses/<course>/<module>/quiz.yaml)."""
    id: int | None = Field(default=None, primary_key=True)
    module_id: int = Field(foreign_key="module.id", unique=True)
    spec: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
