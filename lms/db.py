"""The database engine, a session per request, and Alembic migrations run from code."""
from __future__ import annotations

import logging
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from flask import Flask, current_app, g
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from .config import PROJECT_ROOT

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"
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
        close_quietly(g.pop("db_session", None))


def close_quietly(session: Session | None) -> None:
    """End a request's session even when its connection died under it (the database restarted
    after the page was built): the rollback that closing sends fails, the connection is discarded
    and the pool's pre-ping opens a new one next time. The answer already built is still sent."""
    if session is None:
        return
    try:
        session.close()
    except DBAPIError as exc:
        log.warning("database connection lost while closing a session: %s", str(exc).splitlines()[0][:300])
        session.invalidate()


def engine() -> Engine:
    return current_app.extensions["engine"]


def session() -> Session:
    """The session of the current request or app context."""
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session


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
