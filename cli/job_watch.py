"""``jobs watch``: follow jobs until they end (only the database is read, so it starts fast)."""

from __future__ import annotations

from typing import Optional

import typer

from cli.common import fail, load_settings, ready_database, work
from cli.progress import wait_for
from pipeline.jobs.following import job_views

app = typer.Typer()


@app.command("watch")
def jobs_watch(
    job_ids: Optional[list[int]] = typer.Argument(None, metavar="[IDS]...",
                                                  help="Job ids (default: every queued or running job)."),
) -> None:
    """Follow jobs until each is done or failed; exit 1 listing the failed ones."""
    settings = load_settings()
    database_url = ready_database(settings)
    with work():
        if job_ids:
            known = {view.id for view in job_views(database_url, job_ids)}
            unknown = [str(job_id) for job_id in job_ids if job_id not in known]
            if unknown:
                raise fail(f"no job {', '.join(unknown)}")
        else:
            job_ids = [view.id for view in job_views(database_url)]
            if not job_ids:
                typer.echo("no job is queued or running")
                return
        wait_for(database_url, job_ids)
