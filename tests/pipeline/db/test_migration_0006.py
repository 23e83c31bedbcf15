"""Migration 0006 (translation memory, provider usage, cool-downs) both ways on both databases."""

from __future__ import annotations

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from pipeline.db.migrate import alembic_config
from pipeline.db.session import get_engine, upgrade

TABLES = {"translation_memory", "provider_usage", "provider_cooldowns"}


def test_upgrade_and_downgrade(db_url):
    config = alembic_config(db_url)
    upgrade(db_url)
    assert TABLES <= set(inspect(get_engine(db_url)).get_table_names())
    before = ScriptDirectory.from_config(config).get_revision("0006").down_revision
    command.downgrade(config, before)
    get_engine(db_url).dispose()
    assert not TABLES & set(inspect(get_engine(db_url)).get_table_names())
    upgrade(db_url)
    assert TABLES <= set(inspect(get_engine(db_url)).get_table_names())
