"""The database engine, a session per request, and Alembic migrations run from code."""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError, InvalidatePoolError
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
    engine = create_engine(url, pool_size=10, max_overflow=20)
    _check_idle_connections(engine)
    return engine


PING_AFTER_IDLE = 1.0  # seconds


def _check_idle_connections(engine: Engine) -> None:
    """Pre-ping, for connections idle longer than PING_AFTER_IDLE: one that the database closed (a
    restart, a timeout) is replaced before use, and all older ones with it. A connection in steady
    use is not checked (SQLAlchemy's pool_pre_ping would cost a round trip on every request): if the
    database went away since its last use a moment ago, the request fails on it with the clean 503
    (errors.py) and the pool is renewed."""
    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy):
        idle_since = record.info.pop("idle_since", None)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return  # just connected, or in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            log.info("a pooled database connection was closed; replaced: %s", str(exc).splitlines()[0][:200])
            raise InvalidatePoolError() from exc


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
    the connection is discarded and the pool opens a new one next time. The answer
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
    same transaction (SQLite). On PostgreSQL the reads made before a session are in autocommit, each
    statement consistent by itself, and the session's transaction begins after them: a page kept in
    memory costs one statement, not BEGIN, SELECT and ROLLBACK."""
    if "db_connection" not in g:
        connection = g.db_connection = engine().connect()
        if connection.dialect.name == "postgresql":  # reads before a session: no BEGIN and ROLLBACK round trips
            connection.execution_options(isolation_level="AUTOCOMMIT")
    return g.db_connection


def session() -> Session:
    """The session of the current request or app context, on its connection; the objects given to
    attach() are persistent in it."""
    if "db_session" not in g:
        connection_ = connection()
        if connection_.dialect.name == "postgresql":  # transactions again, for the session
            connection_.rollback()  # ends the autocommit reads' (no round trip)
            connection_.execution_options(isolation_level=connection_.default_isolation_level)
        s = g.db_session = Session(connection_, expire_on_commit=False, join_transaction_mode="control_fully")
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
