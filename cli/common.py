"""What every command shares: settings, the database, and turning failures into exit codes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from pydantic import ValidationError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from config.settings import Settings, get_settings
from pipeline.accounts import audit
from pipeline.db.schema_version import is_at_head
from pipeline.db.session import get_engine, is_current, upgrade
from pipeline.errors import PipelineError
from pipeline.reasons import TERMINAL_LIMIT, reason_line


def fail(message: str) -> typer.Exit:
    """Print one ``error:`` line on stderr and return the exit to raise (status 1)."""
    print(f"error: {reason_line(message, TERMINAL_LIMIT)}", file=sys.stderr)
    return typer.Exit(code=1)


def load_settings() -> Settings:
    """The settings, or exit 1 with the reason when a variable or the TOML file is invalid.

    Every command starts here, so this is also where an invocation begins: the environment is
    read afresh, and audit events from now on say the CLI did it.
    """
    get_settings.cache_clear()  # one invocation, one reading of the environment
    audit.act_as(audit.Actor("cli", None, audit.CLI))
    try:
        return get_settings()
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(map(str, e['loc'])) or 'settings'}: {e['msg']}" for e in error.errors()
        )
        raise fail(f"invalid settings: {problems}") from None
    except (OSError, ValueError) as error:
        raise fail(f"invalid settings: {error}") from None


def ready_database(settings: Settings) -> str:
    """The database URL, migrated when it is the embedded SQLite file, checked otherwise."""
    url = settings.database_url
    try:
        if url.startswith("sqlite"):
            _make_folder(url)
            if not is_at_head(get_engine(url)):  # Alembic only when there is work for it
                upgrade(url)
        elif not is_current(url):
            raise fail("the database schema is not up to date: run `transdraft db upgrade`")
    except SQLAlchemyError as error:
        raise fail(f"database unavailable: {error.__class__.__name__}: {error}") from None
    return url


def _make_folder(sqlite_url: str) -> None:
    """Create the folder of a SQLite file (the user's data directory on first use)."""
    database = make_url(sqlite_url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        try:
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise fail(f"cannot create the database folder: {error}") from None


def database_label(url: str) -> str:
    """The database URL as it may be shown: the password hidden."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown without its credentials part
        return url.split("@")[-1]


@contextmanager
def work() -> Iterator[None]:
    """Map the pipeline's errors to ``error: ...`` and exit 1, never a traceback."""
    try:
        yield
    except PipelineError as error:
        raise fail(error.reason) from None
    except SQLAlchemyError as error:
        raise fail(f"database error: {error}") from None
