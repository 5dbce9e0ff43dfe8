"""security audit privacy

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_event'))
    )
    with op.batch_alter_table('login_event', schema=None) as batch_op:
        batch_op.create_index('ix_login_event_created', ['created_at'], unique=False)
        batch_op.create_index('ix_login_event_key_created', ['key', 'created_at'], unique=False)

    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.create_index('ix_audit_event_action_created', ['action', 'created_at'], unique=False)
        batch_op.create_index('ix_audit_event_actor_created', ['actor_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_event_actor_created')
        batch_op.drop_index('ix_audit_event_action_created')

    with op.batch_alter_table('login_event', schema=None) as batch_op:
        batch_op.drop_index('ix_login_event_key_created')
        batch_op.drop_index('ix_login_event_created')

    op.drop_table('login_event')
