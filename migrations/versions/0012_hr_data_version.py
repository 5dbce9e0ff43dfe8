"""HR's data version (the key of the dashboard's cache); account invitations need no table

Account set-up links are signed tokens tied to the password hash: no table. The dashboard's cached
aggregates are keyed on hr_data_version, raised by triggers in every transaction that changes
assigned_track or cohort_member (PostgreSQL: once per transaction, at commit, so that no lock is
taken on the counter before the rows'; SQLite: per row, writers are serialised anyway).
A later migration that rebuilds one of these tables on SQLite (batch mode) must create the
triggers again: call sqlite_triggers() from here.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

TABLES = ("assigned_track", "cohort_member")
BUMP = ("INSERT INTO hr_data_version (id, version) VALUES (1, 1) "
        "ON CONFLICT (id) DO UPDATE SET version = hr_data_version.version + 1")
PG_FUNCTION = f"""
CREATE OR REPLACE FUNCTION hr_data_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF coalesce(current_setting('lms.hr_data_changed', true), '') <> '1' THEN
        PERFORM set_config('lms.hr_data_changed', '1', true);  -- once per transaction
        {BUMP};
    END IF;
    RETURN NULL;
END $$"""


def sqlite_triggers() -> list[str]:
    return [f"CREATE TRIGGER IF NOT EXISTS hr_version_{table}_{event.lower()} AFTER {event} ON {table} "
            f"BEGIN {BUMP}; END" for table in TABLES for event in ("INSERT", "UPDATE", "DELETE")]


def upgrade() -> None:
    op.create_table('hr_data_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hr_data_version'))
    )
    with op.batch_alter_table('assigned_track', schema=None) as batch_op:
        batch_op.create_index('ix_assigned_track_valid_until', ['valid_until'], unique=False)
    op.execute("INSERT INTO hr_data_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(PG_FUNCTION)
        for table in TABLES:
            op.execute(f"CREATE CONSTRAINT TRIGGER hr_version_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
                       "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION hr_data_changed()")
    else:
        for statement in sqlite_triggers():
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS hr_version_{table} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS hr_data_changed()")
    else:
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                op.execute(f"DROP TRIGGER IF EXISTS hr_version_{table}_{event}")
    with op.batch_alter_table('assigned_track', schema=None) as batch_op:
        batch_op.drop_index('ix_assigned_track_valid_until')
    op.drop_table('hr_data_version')
