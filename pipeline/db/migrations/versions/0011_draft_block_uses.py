"""drafts.block_uses: which block template file made each header/footer block

Revision ID: 0011
Revises: 0006
Create Date: 2026-12-01 09:45:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('drafts') as batch:
        batch.add_column(sa.Column('block_uses', sa.JSON(), server_default='[]', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('drafts') as batch:
        batch.drop_column('block_uses')
