"""A scratch database for a benchmark run: a SQLite file in the run's folder, or a new PostgreSQL
database (LMS_BENCH_POSTGRES_URL, default the local `test` server) dropped at the end."""
from __future__ import annotations

import os
import uuid
from typing import Callable


def scratch_database(kind: str, folder: str, prefix: str) -> tuple[str, Callable[[], None]]:
    """The database URL and the function that drops it."""
    if kind == "sqlite":
        return f"sqlite:///{folder}/lms.db", lambda: None
    import sqlalchemy as sa

    admin_url = os.environ.get("LMS_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop
