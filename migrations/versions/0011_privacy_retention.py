"""privacy retention

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # user.deleted_at: erased at the person's request; attempt.purged_at: prompt and outputs erased
    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('deleted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))

    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index('ix_attempt_purge', ['purged_at', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_attempt_purge')
        batch_op.drop_column('purged_at')

    with op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_column('deleted_at')
