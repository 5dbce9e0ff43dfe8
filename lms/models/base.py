from datetime import datetime, timezone

from sqlalchemy import MetaData
from sqlmodel import SQLModel

# Stable constraint names, so that Alembic migrations are the same on SQLite and PostgreSQL.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
assert isinstance(SQLModel.metadata, MetaData)


def utcnow() -> datetime:
    """Aware UTC; SQLModel's UTCDateTime stores and returns UTC on SQLite and PostgreSQL."""
    return datetime.now(timezone.utc)
