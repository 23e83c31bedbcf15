"""``publish`` and ``sites test``: the commands that talk to a site (a draft sent now, in
this process; the address, credentials and rights checked)."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from cli.common import fail, load_settings, ready_database, work
from pipeline.db.models import Draft
from pipeline.db.session import session_scope
from pipeline.errors import PipelineError
from pipeline.jobs.publish_now import publish_now
from pipeline.jobs.services import Services
from pipeline.publish.enqueue import request_publish
from pipeline.publish.probe import test_site
from pipeline.publish.sites import get_site, list_sites

app = typer.Typer()


@app.command("publish")
def publish(
    draft_id: int = typer.Argument(..., metavar="DRAFT_ID"),
    site: Optional[str] = typer.Option(None, "--site", help="One site (default: every site)."),
) -> None:
    """Publish the approved revision; prints the published post's URL as the last line."""
    settings = load_settings()
    database_url = ready_database(settings)
    with work(), session_scope(database_url) as session:
        draft = session.get(Draft, draft_id)
        if draft is None:
            raise fail(f"no draft with id {draft_id}")
        sites = [get_site(session, site)] if site else list_sites(session)
        if not sites:
            raise fail("no site to publish to: add one with `transdraft sites add`")
        requests = request_publish(session, draft, sites, actor="cli",
                                   max_attempts=settings.max_attempts)
        jobs = [(request.site, request.job.id) for request in requests]
    services = Services(settings)
    failures = []
    for name, job_id in jobs:
        try:
            url = publish_now(database_url, job_id, services)
        except PipelineError as error:
            failures.append(f"{name}: {error.reason}" if len(jobs) > 1 else error.reason)
            continue
        if len(jobs) > 1:
            print(f"{name}: published", file=sys.stderr)
        typer.echo(url)
    if failures:
        raise fail("; ".join(failures))


@app.command("test")
def test_command(name: str = typer.Argument(...)) -> None:
    """Check the site's address, credentials and rights; say what is wrong."""
    settings = load_settings()
    database_url = ready_database(settings)
    with work(), session_scope(database_url) as session:
        findings = test_site(get_site(session, name), settings)
    for line in findings:
        typer.echo(line)
    typer.echo(f"site {name}: ok")
