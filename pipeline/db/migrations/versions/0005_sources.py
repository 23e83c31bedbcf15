"""sources: feeds and sitemaps, their runs and the articles they listed

Revision ID: 0005
Revises: 0003
Create Date: 2026-11-28 12:20:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'sources',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('name', sa.String(length=100), nullable=False),
        sa.Column('url', sa.String(length=2048), nullable=False),
        sa.Column('kind', sa.String(length=16), nullable=False),
        sa.Column('target_lang', sa.String(length=16), nullable=False),
        sa.Column('schedule', sa.String(length=100), nullable=False),
        sa.Column('enabled', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
        sa.UniqueConstraint('name', name=op.f('uq_sources_name')),
        sa.UniqueConstraint('url', 'target_lang', name='uq_sources_url_target'),
    )
    # The unique (source_id, slot) is what makes a scheduled slot run once: a scheduler claims
    # the slot by inserting its run, and a second scheduler's insert does nothing.
    op.create_table(
        'source_runs',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('slot', sa.DateTime(timezone=True), nullable=False),
        sa.Column('trigger', sa.String(length=16), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('found', sa.Integer(), nullable=False),
        sa.Column('new', sa.Integer(), nullable=False),
        sa.Column('changed', sa.Integer(), nullable=False),
        sa.Column('skipped', sa.Integer(), nullable=False),
        sa.Column('failed', sa.Integer(), nullable=False),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('warning', sa.Text(), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('retry_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(['source_id'], ['sources.id'],
                                name=op.f('fk_source_runs_source_id_sources'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_source_runs')),
        sa.UniqueConstraint('source_id', 'slot', name='uq_source_runs_source_slot'),
    )
    op.create_table(
        'source_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('source_id', sa.Integer(), nullable=False),
        sa.Column('canonical_url', sa.String(length=2048), nullable=False),
        sa.Column('fingerprint', sa.String(length=64), nullable=False),
        sa.Column('job_id', sa.Integer(), nullable=True),
        sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('last_seen_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['job_id'], ['jobs.id'],
                                name=op.f('fk_source_items_job_id_jobs'), ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['source_id'], ['sources.id'],
                                name=op.f('fk_source_items_source_id_sources'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_source_items')),
        sa.UniqueConstraint('source_id', 'canonical_url', name='uq_source_items_source_url'),
    )


def downgrade() -> None:
    op.drop_table('source_items')
    op.drop_table('source_runs')
    op.drop_table('sources')
