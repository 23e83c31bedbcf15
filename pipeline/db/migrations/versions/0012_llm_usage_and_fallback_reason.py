"""tokens and requests per provider and day; why a segment was handed to the next provider

Revision ID: 0012
Revises: 0006
Create Date: 2026-12-01 10:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

_USAGE_COLUMNS = ('requests', 'tokens_in', 'tokens_out', 'unmetered_requests')


def upgrade() -> None:
    with op.batch_alter_table('provider_usage') as batch:
        for name in _USAGE_COLUMNS:
            batch.add_column(sa.Column(name, sa.Integer(), server_default='0', nullable=False))
    with op.batch_alter_table('segments') as batch:
        batch.add_column(sa.Column('fallback_reason', sa.Text(), server_default='',
                                   nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('segments') as batch:
        batch.drop_column('fallback_reason')
    with op.batch_alter_table('provider_usage') as batch:
        for name in reversed(_USAGE_COLUMNS):
            batch.drop_column(name)
