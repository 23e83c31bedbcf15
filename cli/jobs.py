"""``jobs list|show|retry``: the durable jobs, and failed ones queued again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Optional

import typer
from sqlalchemy import select

from cli.common import fail, load_settings, ready_database, work
from cli.output import check_format, show
from pipeline.db.models import Job
from pipeline.db.session import session_scope
from pipeline.jobs.lifecycle import job_document, retry, retry_failed
from pipeline.vocabulary import JobState
from worker.dispatch import publish

app = typer.Typer()


@app.command("list")
def jobs_list(
    state: Optional[JobState] = typer.Option(None, "--state", help="queued, running, done or failed."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Jobs newest first; all matching unless --limit."""
    check_format(format)
    settings = load_settings()
    database_url = ready_database(settings)
    with work(), session_scope(database_url) as session:
        query = select(Job).order_by(Job.id.desc())
        if state:
            query = query.where(Job.state == state)
        if limit:
            query = query.limit(limit)
        documents = [job_document(job) for job in session.scalars(query)]
    show(format, documents, _job_lines(documents))


def _job_lines(documents: list[dict]) -> Iterator[str]:
    for job in documents:
        error = f"  {job['last_error']}" if job["last_error"] else ""
        yield (f"{job['id']:>6}  {job['state']:<8} {job['stage']:<9} {job['target_lang']:<3} "
               f"{job['url']}{error}")


@app.command("show")
def jobs_show(
    job_id: int = typer.Argument(..., metavar="ID"),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """One job: its state, stage, attempts and last error."""
    check_format(format)
    settings = load_settings()
    database_url = ready_database(settings)
    with work(), session_scope(database_url) as session:
        job = session.get(Job, job_id)
        if job is None:
            raise fail(f"no job {job_id}")
        document = job_document(job)
    show(format, document, (f"{key}: {value}" for key, value in document.items()
                            if value is not None))


@app.command("retry")
def jobs_retry(
    job_id: Optional[int] = typer.Argument(None, metavar="[ID]"),
    failed: bool = typer.Option(False, "--failed", help="Retry every failed job."),
) -> None:
    """Queue a failed job again (or every failed one) from the stage it failed at."""
    if (job_id is None) == (not failed):
        raise typer.BadParameter("give a job ID or --failed, not both")
    settings = load_settings()
    database_url = ready_database(settings)
    with work():
        with session_scope(database_url) as session:
            if failed:
                queued, skipped = retry_failed(session)
            else:
                queued, skipped = [retry(session, job_id).id], []
        publish(queued, settings)
    typer.echo(f"queued again: {len(queued)}" + (f", skipped: {len(skipped)}" if skipped else ""))
    for skipped_id, reason in skipped:
        typer.echo(f"skipped {skipped_id}: {reason}")
