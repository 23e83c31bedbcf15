"""local_runners: heartbeats of running `transdraft up` processes

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 11:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'local_runners',
        sa.Column('id', sa.String(length=100), nullable=False),
        sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_local_runners_heartbeat_at', 'local_runners', ['heartbeat_at'])


def downgrade() -> None:
    op.drop_index('ix_local_runners_heartbeat_at', table_name='local_runners')
    op.drop_table('local_runners')
