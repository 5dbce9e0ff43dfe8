"""Alembic environment: the models' metadata, the URL from the config or LMS_DATABASE_URL."""
import os

from alembic import context
from sqlalchemy import engine_from_config, pool

from lms.models import metadata

config = context.config
url = config.get_main_option("sqlalchemy.url") or os.environ.get("LMS_DATABASE_URL")
if not url:
    raise RuntimeError("set LMS_DATABASE_URL or run migrations through `lms db upgrade`")


def run_migrations_offline() -> None:
    context.configure(url=url, target_metadata=metadata, literal_binds=True,
                      render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = engine_from_config({"sqlalchemy.url": url}, prefix="sqlalchemy.",
                                     poolclass=pool.NullPool)
    with connectable.connect() as connection:
        context.configure(connection=connection, target_metadata=metadata,
                          render_as_batch=True, compare_type=True)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
