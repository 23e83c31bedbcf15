"""``translate``, ``status`` and ``db upgrade``."""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer

from cli.arguments import language
from cli.common import database_label, fail, load_settings, ready_database, work


def translate(
    url: str = typer.Argument(..., help="The article's URL."),
    to: Optional[str] = typer.Option(None, "--to", callback=language, help="Target language (default: TRANSDRAFT_TARGET_LANG)."),
    from_: Optional[str] = typer.Option(None, "--from", callback=language, help="Source language (default: detected)."),
    provider: Optional[str] = typer.Option(None, "--provider", help="Provider or comma-separated chain."),
) -> None:
    """Run the whole pipeline in this process (no broker) and print the draft id.

    Stages show on stderr (a spinner on a terminal, plain lines otherwise), then a one-line
    summary; stdout gets only the draft id.
    """
    from cli.progress import Stages
    from pipeline.db.session import session_scope
    from pipeline.jobs.intake import enqueue
    from pipeline.jobs.lifecycle import Pipeline

    settings = load_settings()
    if provider:
        _check_providers(provider)
    database_url = ready_database(settings)
    pipeline = Pipeline(settings)
    with work(), Stages() as stages:
        pipeline.templates  # an invalid block template is a startup error, before any fetch
        pipeline.glossary  # so is an unreadable glossary
        pipeline.on_progress = stages
        with session_scope(database_url) as session:
            report = enqueue(session, [url], to or settings.target_lang, provider, from_)
            if report.invalid:
                raise fail(report.invalid[0][1])
            # A job already queued for this article (by `enqueue`) is run here instead.
            job_id = (report.new or report.duplicate)[0].id
        draft_id = _run_or_wait(database_url, job_id, pipeline, stages)
    print(_summary(database_url, job_id, draft_id), file=sys.stderr)
    typer.echo(draft_id)


def _run_or_wait(database_url: str, job_id: int, pipeline, stages) -> int:
    """Run the job here; when another process (``up``, a worker) has it, wait for it.

    The wait ends when that process finishes the job, or when its lease runs out and the
    claim here succeeds: a dead process never makes ``translate`` wait forever.
    """
    import time

    from pipeline.jobs.lifecycle import JobBusy, run_inline

    while True:
        try:
            return run_inline(database_url, job_id, pipeline)
        except JobBusy as busy:
            if busy.state == "done" and busy.draft_id is not None:
                return busy.draft_id
            if busy.state == "failed":
                raise fail(busy.last_error or f"job {job_id} failed") from None
            if busy.state != "running":
                raise  # queued for a later attempt: say until when, do not wait hours
            stages("waiting", job=job_id)
            time.sleep(0.5)


def _summary(database_url: str, job_id: int, draft_id: int) -> str:
    """``draft 5: 14 blocks, 3,201 characters sent (libre 3,201), 2 warnings``."""
    from sqlalchemy import select

    from cli.progress import draft_summary
    from pipeline.db.session import session_scope
    from pipeline.db.models import AuditEvent, Draft

    with session_scope(database_url) as session:
        draft = session.get(Draft, draft_id)
        # This job's translation event; none when the article had not changed (nothing sent).
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.draft_id == draft_id, AuditEvent.job_id == job_id)
            .order_by(AuditEvent.id.desc()).limit(1)).first()
        chars = (event.detail or {}).get("chars_by_provider", {}) if event is not None else {}
        return draft_summary(draft_id, len(draft.blocks or []), chars, len(draft.checks or []))


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
    from cli.status import token_lines
    from pipeline.ledger.budget import requests_today, usage_today
    from pipeline.db.session import session_scope
    from pipeline.drafts.store import counts

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
    typer.echo(f"database: {database_label(database_url)}")
    if not any(result["jobs"].values()) and not any(result["drafts"].values()):
        typer.echo("the database is empty: no jobs and no drafts yet "
                   "(start with `transdraft translate URL`)")
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

    from pipeline.db.session import upgrade

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
