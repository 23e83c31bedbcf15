"""The Alembic-free head check agrees with Alembic, and an old schema is still migrated."""

from __future__ import annotations

from sqlalchemy import text


def test_heads_read_from_the_files_are_alembics_heads():
    from alembic.script import ScriptDirectory

    from pipeline.db.migrate import alembic_config
    from pipeline.db.schema_version import migration_heads

    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert migration_heads() == set(script.get_heads())


def test_is_at_head_only_after_the_last_migration(sqlite_url):
    from pipeline.db.schema_version import is_at_head
    from pipeline.db.session import get_engine, upgrade

    engine = get_engine(sqlite_url)
    assert not is_at_head(engine)  # no alembic_version table yet
    upgrade(sqlite_url, "0006")
    assert not is_at_head(engine)
    upgrade(sqlite_url)
    assert is_at_head(engine)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    assert not is_at_head(engine)
