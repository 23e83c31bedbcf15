"""``db upgrade``: the schema migrations, run by hand (PostgreSQL; SQLite migrates itself)."""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from cli.common import fail, load_settings
from pipeline.db.session import upgrade
from pipeline.reasons import first_line

app = typer.Typer()


@app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply the schema migrations to TRANSDRAFT_DATABASE_URL."""
    settings = load_settings()
    try:
        upgrade(settings.database_url, revision)
    except SQLAlchemyError as error:
        raise fail(f"database upgrade failed: {first_line(error)}") from None
    typer.echo(f"database at {revision}")
