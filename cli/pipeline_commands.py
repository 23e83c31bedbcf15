"""``translate``, ``status`` and ``db upgrade``."""

from __future__ import annotations

import json
from typing import Optional

import typer

from cli.common import fail, load_settings, ready_database, work


def translate(
    url: str = typer.Argument(..., help="The article's URL."),
    to: Optional[str] = typer.Option(None, "--to", help="Target language (default: TRANSDRAFT_TARGET_LANG)."),
    from_: Optional[str] = typer.Option(None, "--from", help="Source language (default: detected)."),
    provider: Optional[str] = typer.Option(None, "--provider", help="Provider or comma-separated chain."),
) -> None:
    """Run the whole pipeline in this process (no broker) and print the draft id."""
    from pipeline.db import session_scope
    from pipeline.intake import enqueue
    from pipeline.jobs import Pipeline, run_inline

    settings = load_settings()
    if provider:
        _check_providers(provider)
    database_url = ready_database(settings)
    pipeline = Pipeline(settings)
    with work():
        pipeline.templates  # an invalid block template is a startup error, before any fetch
        pipeline.glossary  # so is an unreadable glossary
        with session_scope(database_url) as session:
            report = enqueue(session, [url], to or settings.target_lang, provider, from_)
            if report.invalid:
                raise fail(report.invalid[0][1])
            # A job already queued for this article (by `enqueue`) is run here instead.
            job_id = (report.new or report.duplicate)[0].id
        draft_id = run_inline(database_url, job_id, pipeline)
    typer.echo(draft_id)


def _check_providers(chain: str) -> None:
    from config.settings import PROVIDER_NAMES

    for name in chain.split(","):
        if name.strip().lower() not in PROVIDER_NAMES:
            raise typer.BadParameter(
                f"unknown provider {name.strip()!r}; choose from {', '.join(PROVIDER_NAMES)}",
                param_hint="--provider",
            )


def status(
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Counts of jobs by state and drafts by status."""
    from cli.sources import status_lines
    from cli.usage import token_lines
    from pipeline.budget import requests_today, usage_today
    from pipeline.db import session_scope
    from pipeline.drafts import counts

    if format not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--format")
    settings = load_settings()
    database_url = ready_database(settings)
    with work(), session_scope(database_url) as session:
        result = counts(session)
        sources = status_lines(session) if format == "text" else []
        usage = usage_today(session)
        requests = requests_today(session)
    if format == "json":
        typer.echo(json.dumps(result))
        return
    typer.echo("jobs:   " + "  ".join(f"{k} {v}" for k, v in result["jobs"].items()))
    typer.echo("drafts: " + "  ".join(f"{k} {v}" for k, v in result["drafts"].items()))
    for line in sources:
        typer.echo(line)
    budget = settings.char_budget_daily
    sent = "  ".join(f"{k} {v}" + (f"/{budget}" if budget is not None else "")
                     for k, v in usage.items()) or "none"
    typer.echo(f"characters sent today (UTC): {sent}")
    for line in token_lines(requests):
        typer.echo(line)


db_app = typer.Typer(no_args_is_help=True, help="Database schema.")


@db_app.command("upgrade")
def db_upgrade(revision: str = typer.Argument("head")) -> None:
    """Apply the schema migrations to TRANSDRAFT_DATABASE_URL."""
    from sqlalchemy.exc import SQLAlchemyError

    from pipeline.db import upgrade

    settings = load_settings()
    try:
        upgrade(settings.database_url, revision)
    except SQLAlchemyError as error:
        raise fail(f"database upgrade failed: {str(error).splitlines()[0]}") from None
    typer.echo(f"database at {revision}")


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    app.command("translate")(translate)
    app.command("status")(status)
    app.add_typer(db_app, name="db")
