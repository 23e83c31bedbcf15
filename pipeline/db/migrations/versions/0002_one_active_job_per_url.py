"""one active job per canonical URL and target language

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 12:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

ACTIVE = sa.text("state IN ('queued', 'running')")


def upgrade() -> None:
    # A partial unique index: enqueueing the same article twice while a job for it is still
    # queued or running inserts nothing, whichever process does it; finished jobs don't count,
    # so a later enqueue re-checks the article for changes.
    op.create_index('uq_jobs_active_url', 'jobs', ['canonical_url', 'target_lang'], unique=True,
                    postgresql_where=ACTIVE, sqlite_where=ACTIVE)


def downgrade() -> None:
    op.drop_index('uq_jobs_active_url', table_name='jobs')
