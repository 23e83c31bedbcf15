"""Migration 0005 on SQLite and PostgreSQL: up, down and up again."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from pipeline.db.session import get_engine, upgrade

TABLES = {"sources", "source_runs", "source_items"}


def test_sources_migration_round_trip(db_url):
    upgrade(db_url)
    engine = get_engine(db_url)
    assert TABLES <= set(inspect(engine).get_table_names())
    uniques = {tuple(u["column_names"]) for u in inspect(engine).get_unique_constraints("source_runs")}
    assert ("source_id", "slot") in uniques
    uniques = {tuple(u["column_names"]) for u in inspect(engine).get_unique_constraints("source_items")}
    assert ("source_id", "canonical_url") in uniques

    from alembic import command

    from pipeline.db.migrate import alembic_config

    config = alembic_config(db_url)
    command.downgrade(config, ScriptDirectory.from_config(config).get_revision("0005").down_revision)
    engine.dispose()
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade(db_url)
    assert TABLES <= set(inspect(engine).get_table_names())
