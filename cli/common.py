"""What every command shares: settings, the database, and turning failures into exit codes."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer
from pydantic import ValidationError

from config.settings import Settings, get_settings


def fail(message: str) -> typer.Exit:
    """Print one ``error:`` line on stderr and return the exit to raise (status 1)."""
    first_line = " ".join(str(message).split())
    print(f"error: {first_line}", file=sys.stderr)
    return typer.Exit(code=1)


def load_settings() -> Settings:
    """The settings, or exit 1 with the reason when a variable or the TOML file is invalid."""
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
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.db import is_current, upgrade

    url = settings.database_url
    try:
        if url.startswith("sqlite"):
            upgrade(url)
        elif not is_current(url):
            raise fail("the database schema is not up to date: run `transdraft db upgrade`")
    except SQLAlchemyError as error:
        raise fail(f"database unavailable: {error.__class__.__name__}: {_short(error)}") from None
    return url


def _short(error: Exception) -> str:
    return str(error).splitlines()[0][:200]


@contextmanager
def work() -> Iterator[None]:
    """Map the pipeline's errors to ``error: ...`` and exit 1, never a traceback."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.errors import PipelineError

    try:
        yield
    except PipelineError as error:
        raise fail(error.reason) from None
    except SQLAlchemyError as error:
        raise fail(f"database error: {_short(error)}") from None
