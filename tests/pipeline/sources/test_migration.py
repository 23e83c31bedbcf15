"""Migration 0005 on SQLite and PostgreSQL: up, down and up again, matching the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from pipeline.db import get_engine, upgrade
from pipeline.models import Base

TABLES = {"sources", "source_runs", "source_items"}


def test_sources_migration_round_trip(db_url):
    upgrade(db_url, "0005")
    engine = get_engine(db_url)
    assert TABLES <= set(inspect(engine).get_table_names())
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    uniques = {tuple(u["column_names"]) for u in inspect(engine).get_unique_constraints("source_runs")}
    assert ("source_id", "slot") in uniques
    uniques = {tuple(u["column_names"]) for u in inspect(engine).get_unique_constraints("source_items")}
    assert ("source_id", "canonical_url") in uniques

    from alembic import command

    from pipeline.db import alembic_config

    command.downgrade(alembic_config(db_url), "0002")
    engine.dispose()
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(db_url, "0005")
    assert TABLES <= set(inspect(engine).get_table_names())
