"""The migration chain as a whole, on SQLite and PostgreSQL: head matches the models, and
every step goes down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect

from pipeline.db.migrate import alembic_config
from pipeline.db.models import Base
from pipeline.db.session import get_engine, is_current, upgrade


def test_one_head_and_head_matches_the_models(db_url):
    config = alembic_config(db_url)
    assert len(ScriptDirectory.from_config(config).get_heads()) == 1
    upgrade(db_url)
    assert is_current(db_url)
    with get_engine(db_url).connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []


def test_every_step_goes_down_and_up(db_url):
    config = alembic_config(db_url)
    upgrade(db_url)
    tables_at_head = set(inspect(get_engine(db_url)).get_table_names())
    command.downgrade(config, "base")
    get_engine(db_url).dispose()
    assert set(inspect(get_engine(db_url)).get_table_names()) <= {"alembic_version"}
    revisions = list(reversed(list(ScriptDirectory.from_config(config).walk_revisions())))
    for revision in revisions:
        command.upgrade(config, revision.revision)
    get_engine(db_url).dispose()
    assert set(inspect(get_engine(db_url)).get_table_names()) == tables_at_head
