"""xapi outbox

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('xapi_outbox',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
    sa.Column('verb', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('statement', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('next_try_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('delivered_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('rejected_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_xapi_outbox'))
    )
    with op.batch_alter_table('xapi_outbox', schema=None) as batch_op:
        batch_op.create_index('ix_xapi_outbox_pending', ['delivered_at', 'rejected_at', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('xapi_outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_xapi_outbox_pending')

    op.drop_table('xapi_outbox')
