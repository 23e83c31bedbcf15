"""``translate``: the whole pipeline for one URL in this process, without a broker."""

from __future__ import annotations

import sys
import time
from typing import Optional

import typer
from sqlalchemy import select

from cli.arguments import check_providers, language
from cli.common import fail, load_settings, ready_database, work
from cli.progress import Stages, draft_summary
from pipeline.db.models import AuditEvent, Draft
from pipeline.db.session import session_scope
from pipeline.jobs.execution import JobBusy, run_in_foreground
from pipeline.jobs.intake import enqueue
from pipeline.jobs.services import Services
from pipeline.vocabulary import JobState

app = typer.Typer()


@app.command("translate")
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
    settings = load_settings()
    if provider:
        check_providers(provider)
    database_url = ready_database(settings)
    services = Services(settings)
    with work(), Stages() as stages:
        services.templates  # an invalid block template is a startup error, before any fetch
        services.glossary  # so is an unreadable glossary
        services.on_progress = stages
        with session_scope(database_url) as session:
            report = enqueue(session, [url], to or settings.target_lang, provider, from_)
            if report.invalid:
                raise fail(report.invalid[0][1])
            # A job already queued for this article (by `enqueue`) is run here instead.
            job_id = (report.new or report.duplicate)[0].id
        draft_id = _run_or_wait(database_url, job_id, services, stages)
    print(_summary(database_url, job_id, draft_id), file=sys.stderr)
    typer.echo(draft_id)


def _run_or_wait(database_url: str, job_id: int, services: Services, stages: Stages) -> int:
    """Run the job here; when another process (``up``, a worker) has it, wait for it.

    The wait ends when that process finishes the job, or when its lease runs out and the
    claim here succeeds: a dead process never makes ``translate`` wait forever.
    """
    while True:
        try:
            return run_in_foreground(database_url, job_id, services)
        except JobBusy as busy:
            if busy.state == JobState.done and busy.draft_id is not None:
                return busy.draft_id
            if busy.state == JobState.failed:
                raise fail(busy.last_error or f"job {job_id} failed") from None
            if busy.state != JobState.running:
                raise  # queued for a later attempt: say until when, do not wait hours
            stages("waiting", job=job_id)
            time.sleep(0.5)


def _summary(database_url: str, job_id: int, draft_id: int) -> str:
    """``draft 5: 14 blocks, 3,201 characters sent (libre 3,201), 2 warnings``."""
    with session_scope(database_url) as session:
        draft = session.get(Draft, draft_id)
        # This job's translation event; none when the article had not changed (nothing sent).
        event = session.scalars(
            select(AuditEvent).where(AuditEvent.draft_id == draft_id, AuditEvent.job_id == job_id)
            .order_by(AuditEvent.id.desc()).limit(1)).first()
        chars = (event.detail or {}).get("chars_by_provider", {}) if event is not None else {}
        return draft_summary(draft_id, len(draft.blocks or []), chars, len(draft.checks or []))
