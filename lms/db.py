"""The database engine, a session per request, and Alembic migrations run from code."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from .config import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
T = TypeVar("T")
log = logging.getLogger(__name__)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # foreign keys on, WAL for concurrent readers
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def init_app(app: Flask) -> None:
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    app.extensions["engine"] = make_engine(url)

    @app.teardown_appcontext
    def _close_session(_exc):
        close_request()


def close_request() -> None:
    """End the request's session and give its connection back, even when the connection died under
    them (the database restarted after the page was built): the rollback that closing sends fails,
    the connection is discarded and the pool's pre-ping opens a new one next time. The answer
    already built is still sent."""
    g.pop("db_attach", None)
    close_quietly(g.pop("db_session", None))
    connection = g.pop("db_connection", None)
    if connection is not None:
        try:
            connection.close()
        except DBAPIError as exc:
            log.warning("database connection lost while closing: %s", str(exc).splitlines()[0][:300])
            connection.invalidate()


def close_quietly(session: Session | None) -> None:
    """Close a session whose connection may have died under it (see close_request)."""
    if session is None:
        return
    try:
        session.close()
    except DBAPIError as exc:
        log.warning("database connection lost while closing a session: %s", str(exc).splitlines()[0][:300])
        session.invalidate()


def engine() -> Engine:
    return current_app.extensions["engine"]


def connection() -> Connection:
    """The connection of the current request or app context, checked out at first use. The signed-in
    account is read on it without an ORM session (services/accounts.signed_in): a page kept in
    memory needs no session at all. A session, when the request needs one, continues on it, in the
    same transaction."""
    if "db_connection" not in g:
        g.db_connection = engine().connect()
    return g.db_connection


def session() -> Session:
    """The session of the current request or app context, on its connection; the objects given to
    attach() are persistent in it."""
    if "db_session" not in g:
        s = g.db_session = Session(connection(), expire_on_commit=False, join_transaction_mode="control_fully")
        for obj in g.pop("db_attach", ()):
            s.add(obj)
    return g.db_session


def attach(obj: T) -> T:
    """A detached object (loaded without the ORM: services/accounts.signed_in) made persistent in the
    request's session, as if the session had loaded it: at once if the session exists (then the
    session's own copy, if it has one), else when it is created."""
    if "db_session" in g:
        return g.db_session.merge(obj, load=False)
    g.setdefault("db_attach", []).append(obj)
    return obj


@contextmanager
def new_session() -> Iterator[Session]:
    """A session of its own, for background work."""
    with Session(engine(), expire_on_commit=False) as s:
        yield s


def alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)
