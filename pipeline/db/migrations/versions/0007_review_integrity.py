"""review integrity: the approved revision, revision snapshots, claimed canonical URLs

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 09:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.add_column(sa.Column('approved_revision', sa.Integer(), nullable=True))
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.add_column(sa.Column('meta', sa.JSON(), nullable=True))
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claimed_canonical_url', sa.String(length=2048),
                                      nullable=True))
    # Drafts approved before this migration: their current revision is the approved one.
    op.execute("UPDATE drafts SET approved_revision = revision WHERE status = 'approved'")


def downgrade() -> None:
    with op.batch_alter_table('articles', schema=None) as batch_op:
        batch_op.drop_column('claimed_canonical_url')
    with op.batch_alter_table('revisions', schema=None) as batch_op:
        batch_op.drop_column('meta')
    with op.batch_alter_table('drafts', schema=None) as batch_op:
        batch_op.drop_column('approved_revision')
