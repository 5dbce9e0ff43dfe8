"""overdue list index: open tracks by due date, read in the list's order

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-28
"""
from alembic import op


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A plain CREATE INDEX (no batch mode): rebuilding assigned_track on SQLite would drop the
    # triggers of 0012.
    op.create_index('ix_assigned_track_open_due', 'assigned_track',
                    ['completed_at', 'due_on', 'user_id', 'course_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_assigned_track_open_due', table_name='assigned_track')
