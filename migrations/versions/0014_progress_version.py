"""progress version: a per-learner counter, the key of pages that show the learner's progress

`user.progress_version` is raised by triggers whenever the learner's progress changes: a lesson
marked read (or unmarked), an attempt or a quiz attempt whose `passed` changes, or that is added
passed, or deleted while passed. Pages keyed on it (the lesson page of a course without an exam)
read no progress rows while it is unchanged. PostgreSQL: deferred to the commit, so the learner's
row is locked only then; SQLite: per row, writers are serialised anyway. A later migration that
rebuilds one of these tables on SQLite (batch mode) must create the triggers again: call
sqlite_triggers() from here.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""
from alembic import op
import sqlalchemy as sa


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

BUMP = 'UPDATE "user" SET progress_version = progress_version + 1 WHERE id'
PASSED_TABLES = ("attempt", "quiz_attempt")
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION progress_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        {BUMP} = OLD.user_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id IS DISTINCT FROM OLD.user_id) THEN
        {BUMP} = NEW.user_id;
    END IF;
    RETURN NULL;
END $$"""


def _pg_triggers() -> list[str]:
    deferred = "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
    statements = [f"CREATE CONSTRAINT TRIGGER progress_lesson_progress AFTER INSERT OR UPDATE OR DELETE "
                  f"ON lesson_progress {deferred} EXECUTE FUNCTION progress_changed()"]
    for table in PASSED_TABLES:
        statements += [
            f"CREATE CONSTRAINT TRIGGER progress_{table}_insert AFTER INSERT ON {table} {deferred} "
            f"WHEN (NEW.passed) EXECUTE FUNCTION progress_changed()",
            f"CREATE CONSTRAINT TRIGGER progress_{table}_update AFTER UPDATE OF passed, user_id ON {table} {deferred} "
            f"WHEN (OLD.passed IS DISTINCT FROM NEW.passed OR OLD.user_id IS DISTINCT FROM NEW.user_id) "
            f"EXECUTE FUNCTION progress_changed()",
            f"CREATE CONSTRAINT TRIGGER progress_{table}_delete AFTER DELETE ON {table} {deferred} "
            f"WHEN (OLD.passed) EXECUTE FUNCTION progress_changed()"]
    return statements


def sqlite_triggers() -> list[str]:
    statements = [
        f"CREATE TRIGGER IF NOT EXISTS progress_lesson_progress_insert AFTER INSERT ON lesson_progress "
        f"BEGIN {BUMP} = NEW.user_id; END",
        f"CREATE TRIGGER IF NOT EXISTS progress_lesson_progress_update AFTER UPDATE ON lesson_progress "
        f"BEGIN {BUMP} IN (OLD.user_id, NEW.user_id); END",
        f"CREATE TRIGGER IF NOT EXISTS progress_lesson_progress_delete AFTER DELETE ON lesson_progress "
        f"BEGIN {BUMP} = OLD.user_id; END"]
    for table in PASSED_TABLES:
        statements += [
            f"CREATE TRIGGER IF NOT EXISTS progress_{table}_insert AFTER INSERT ON {table} WHEN NEW.passed "
            f"BEGIN {BUMP} = NEW.user_id; END",
            f"CREATE TRIGGER IF NOT EXISTS progress_{table}_update AFTER UPDATE OF passed, user_id ON {table} "
            f"WHEN OLD.passed IS NOT NEW.passed OR OLD.user_id IS NOT NEW.user_id "
            f"BEGIN {BUMP} IN (OLD.user_id, NEW.user_id); END",
            f"CREATE TRIGGER IF NOT EXISTS progress_{table}_delete AFTER DELETE ON {table} WHEN OLD.passed "
            f"BEGIN {BUMP} = OLD.user_id; END"]
    return statements


def upgrade() -> None:
    # A plain ADD COLUMN (no batch mode): rebuilding "user" on SQLite is not needed.
    op.add_column('user', sa.Column('progress_version', sa.BigInteger(), nullable=False, server_default='0'))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for statement in _pg_triggers():
            op.execute(statement)
    else:
        for statement in sqlite_triggers():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS progress_lesson_progress ON lesson_progress")
        for table in PASSED_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS progress_{table}_{event} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS progress_changed()")
    else:
        for table in ("lesson_progress",) + PASSED_TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS progress_{table}_{event}")
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('progress_version')
