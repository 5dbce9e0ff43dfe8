"""Courses' structure kept in memory between requests (per process): modules, lessons with their
texts, the exercises and quizzes that progress counts, so that a lesson page reads no content rows.

Never stale, with any number of processes and machines: an entry is keyed on the content version,
a random value stored in the database (the `setting` row `content_version`) and read with one query
per use. Every ORM flush that inserts, changes or deletes a course, module, lesson, exercise or quiz
writes a new value in the same transaction (the listener below, registered for every session of the
process): the trainer's edit and the new version are committed together, and a reader that reads
the version first and the content after never files older content under a newer version. Content
written by raw SQL, bypassing the ORM, is not seen: change it through the services or `lms content
sync`, or restart the web processes.

Entries are read-only: callers must not change them.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Hashable, TypeVar

from flask import current_app, g, has_app_context
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import ORMExecuteState, Session
from sqlmodel import select

from ..models import Course, Exercise, Lesson, Module, Quiz, Setting
from ..models.base import utcnow

KEY = "content_version"
CONTENT = (Course, Module, Lesson, Exercise, Quiz)
TABLES = {model.__table__ for model in CONTENT}
_VERSION = select(Setting.value).where(Setting.key == KEY)
_INSERT = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}
T = TypeVar("T")


@dataclass(frozen=True)
class LessonItem:
    id: int
    module_id: int
    slug: str
    position: int
    minutes: int
    title: dict[str, str]
    body: dict[str, str]


@dataclass(frozen=True)
class ModuleItem:
    id: int
    slug: str
    position: int
    title: dict[str, str]
    summary: dict[str, str]


@dataclass(frozen=True)
class ExerciseItem:
    id: int
    module_id: int
    slug: str
    title: dict[str, str]


@dataclass(frozen=True)
class QuizItem:
    id: int
    module_id: int


@dataclass(frozen=True)
class CourseOutline:
    """A course as a learner sees it: lessons in course order, the exercises (current, not in the
    exam pool) and quizzes that count in progress."""
    id: int
    slug: str
    status: str
    title: dict[str, str]
    summary: dict[str, str]
    exam: dict[str, Any] | None
    certification: dict[str, Any] | None  # what earns the course's certificate (Course.certification)
    modules: tuple[ModuleItem, ...]
    lessons: tuple[LessonItem, ...]
    exercises: tuple[ExerciseItem, ...]  # in course order
    quizzes: tuple[QuizItem, ...]
    version: str | None = None  # the content version it was read at; None: not kept in memory
    _lesson_index: dict[tuple[int, str], int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_lesson_index", {(x.module_id, x.slug): i for i, x in enumerate(self.lessons)})

    @property
    def published(self) -> bool:
        return self.status == "published"

    @property
    def exercise_slugs(self) -> tuple[str, ...]:
        return tuple(e.slug for e in self.exercises)

    @property
    def quiz_ids(self) -> tuple[int, ...]:
        return tuple(q.id for q in self.quizzes)

    def module(self, slug: str) -> ModuleItem | None:
        return next((m for m in self.modules if m.slug == slug), None)

    def module_by_id(self, module_id: int) -> ModuleItem:
        return next(m for m in self.modules if m.id == module_id)

    def lesson(self, module_id: int, slug: str) -> tuple[LessonItem | None, LessonItem | None]:
        """The lesson and the one after it in the course, or (None, None)."""
        i = self._lesson_index.get((module_id, slug))
        if i is None:
            return None, None
        return self.lessons[i], self.lessons[i + 1] if i + 1 < len(self.lessons) else None


@dataclass
class _Store:
    version: str
    courses: dict[str, CourseOutline]
    derived: dict[Hashable, Any] = field(default_factory=dict)  # see derived()


VERSION_COLUMN = _VERSION.scalar_subquery().label(KEY)  # for a query that reads it with other values
_UNREAD = object()
_READ = "content_version_read"


def version(session: Session) -> str | None:
    """The current content version (after flushing the session's own changes); None before the first.
    The value remembered for this session (or, for the request's session, read with the signed-in
    account) while it has written no content; else one query."""
    if not (session.new or session.dirty or session.deleted):
        known = session.info.get(_READ, _UNREAD)
        if known is _UNREAD and has_app_context() and g.get("db_session") is session:
            known = g.get(_READ, _UNREAD)
        if known is not _UNREAD:
            return known
    return session.execute(_VERSION).scalar()


def remember(value: str | None, session: Session | None = None) -> None:
    """The version read by another query (see accounts.signed_in, grading.grade_attempt): no query
    of its own afterwards, for the request or for this session (a background task's). Forgotten as
    soon as content is written (bump)."""
    if session is not None:
        session.info[_READ] = value
    else:
        setattr(g, _READ, value)


def _forget(session: Session) -> None:
    session.info.pop(_READ, None)
    if has_app_context():
        g.pop(_READ, None)


def bump(connection: Connection) -> None:
    """A new content version, in the connection's transaction."""
    values = {"key": KEY, "value": uuid.uuid4().hex, "updated_at": utcnow()}
    stmt = _INSERT[connection.dialect.name](Setting.__table__).values(**values)
    connection.execute(stmt.on_conflict_do_update(index_elements=["key"], set_={
        "value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at}))


def create_version(session: Session) -> None:
    """The first version, on a database whose content was loaded before versions existed. In a
    transaction of its own: call it only while `session` has written nothing (SQLite would wait for
    the session's own lock)."""
    with session.get_bind().engine.begin() as conn:
        stmt = _INSERT[conn.dialect.name](Setting.__table__).values(key=KEY, value=uuid.uuid4().hex,
                                                                    updated_at=utcnow())
        conn.execute(stmt.on_conflict_do_nothing(index_elements=["key"]))


@event.listens_for(Session, "before_flush")
def _content_flushed(session: Session, _context, _instances) -> None:
    if (any(isinstance(o, CONTENT) for o in session.new) or any(isinstance(o, CONTENT) for o in session.deleted)
            or any(isinstance(o, CONTENT) and session.is_modified(o) for o in session.dirty)):
        _forget(session)
        bump(session.connection())


@event.listens_for(Session, "do_orm_execute")
def _content_statement(state: ORMExecuteState) -> None:
    """INSERT, UPDATE or DELETE statements on content tables run through a session."""
    if (state.is_insert or state.is_update or state.is_delete) and getattr(state.statement, "table", None) in TABLES:
        _forget(state.session)
        bump(state.session.connection())


def request_outline(slug: str) -> CourseOutline | None:
    """outline() in a request, without opening the request's ORM session when the course is in
    memory under the version read with the signed-in account and the request has written no content
    (a page kept in memory then needs no session at all)."""
    from .. import db

    known = g.get(_READ, _UNREAD)
    session = g.get("db_session")
    if known is not _UNREAD and known is not None and (session is None or not (session.new or session.dirty
                                                                                or session.deleted)):
        store: _Store | None = current_app.extensions.get("content_cache")
        if store is not None and store.version == known and slug in store.courses:
            return store.courses[slug]
    return outline(db.session(), slug)


def outline(session: Session, slug: str) -> CourseOutline | None:
    """The course of that slug, whatever its status; None when there is none. Kept in memory
    (per app) when the database has a content version (see create_version)."""
    current = version(session) if has_app_context() else None
    if current is None:
        return load(session, slug)
    store = _store(current)
    found = store.courses.get(slug)
    if found is None:
        found = load(session, slug, current)  # read after the version: never older than it
        if found is not None:
            store.courses[slug] = found
    return found


def derived(session: Session, key: Hashable, compute: Callable[[], T]) -> T:
    """A value that `compute` derives from content rows alone (course, module, lesson, exercise,
    quiz), kept in memory under the content version like the outlines, so never stale: computed
    after the version was read, never older than it. Read-only for callers."""
    current = version(session) if has_app_context() else None
    if current is None:
        return compute()
    store = _store(current)
    if key not in store.derived:
        store.derived[key] = compute()
    return store.derived[key]


def course_of_module(session: Session, module_id: int | None) -> int | None:
    """The id of the course a module belongs to (None for none)."""
    courses = derived(session, "course of module",
                      lambda: dict(session.execute(select(Module.id, Module.course_id)).all()))
    return courses.get(module_id)


def outline_by_id(session: Session, course_id: int) -> CourseOutline | None:
    slugs = derived(session, "course slugs", lambda: dict(session.execute(select(Course.id, Course.slug)).all()))
    return outline(session, slugs[course_id]) if course_id in slugs else None


def _store(current: str) -> _Store:
    """The process's entries for this content version (a new version drops the older entries)."""
    store: _Store | None = current_app.extensions.get("content_cache")
    if store is None or store.version != current:
        store = current_app.extensions["content_cache"] = _Store(current, {})
    return store


def load(session: Session, slug: str, version: str | None = None) -> CourseOutline | None:
    course = session.exec(select(Course).where(Course.slug == slug)).first()
    if course is None:
        return None
    modules = session.exec(select(Module).where(Module.course_id == course.id)
                           .order_by(Module.position, Module.id)).all()
    lessons = session.exec(select(Lesson).join(Module).where(Module.course_id == course.id)
                           .order_by(Module.position, Module.id, Lesson.position, Lesson.id)).all()
    exercises = session.exec(select(Exercise.id, Exercise.module_id, Exercise.slug, Exercise.title).join(Module).where(
        Module.course_id == course.id, Exercise.current == True, Exercise.exam == False)  # noqa: E712
        .order_by(Module.position, Module.id, Exercise.position, Exercise.id)).all()
    quizzes = session.exec(select(Quiz.id, Quiz.module_id).join(Module).where(Module.course_id == course.id)
                           .order_by(Module.position, Module.id, Quiz.id)).all()
    return CourseOutline(
        id=course.id, slug=course.slug, status=course.status, title=course.title, summary=course.summary,
        exam=course.exam, certification=course.certification, modules=tuple(ModuleItem(m.id, m.slug, m.position, m.title, m.summary) for m in modules),
        lessons=tuple(LessonItem(x.id, x.module_id, x.slug, x.position, x.minutes, x.title, x.body) for x in lessons),
        exercises=tuple(ExerciseItem(*row) for row in exercises), quizzes=tuple(QuizItem(*row) for row in quizzes),
        version=version)
