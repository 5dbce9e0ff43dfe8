"""learner drafts

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('prompt_draft',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('exercise_slug', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_prompt_draft_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_prompt_draft')),
    sa.UniqueConstraint('user_id', 'exercise_slug', name='uq_prompt_draft_user_exercise')
    )
    with op.batch_alter_table('prompt_draft', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_prompt_draft_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('prompt_draft', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_prompt_draft_user_id'))

    op.drop_table('prompt_draft')
