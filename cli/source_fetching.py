"""``sources add|run``: the source commands that fetch a feed or sitemap now (to detect its
kind, to remember what it lists, to enqueue its new articles)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

import typer
from sqlalchemy import select

from cli.arguments import language
from cli.common import fail, load_settings, ready_database, work
from cli.progress import wait_for
from cli.sources import run_document, run_summary, when
from config.settings import Settings
from pipeline.db.models import Source
from pipeline.db.session import session_scope
from pipeline.errors import FetchFailed, FetchUnavailable, InvalidSource, PipelineError
from pipeline.fetch import check_url
from pipeline.fetch.guard import resolve_and_check
from pipeline.fetch.urls import host_and_port
from pipeline.sources.listing import read_listing
from pipeline.sources.registry import add_source, get_source
from pipeline.sources.runs import run_due, run_source
from pipeline.sources.schedule import next_slot, normalize
from pipeline.vocabulary import SourceKind, SourceRunState
from worker.dispatch import publish

app = typer.Typer()



@app.command("add")
def add_command(
    url: str = typer.Argument(..., metavar="URL", help="The feed's or sitemap's URL."),
    kind: Optional[SourceKind] = typer.Option(None, "--kind", help="feed or sitemap (default: detected)."),
    to: Optional[str] = typer.Option(None, "--to", callback=language, help="Target language (default: TRANSDRAFT_TARGET_LANG)."),
    name: Optional[str] = typer.Option(None, "--name", help="A short unique name (default: the host)."),
    schedule: str = typer.Option("nightly", "--schedule",
                                 help="nightly, hourly or a 5-field cron expression (UTC)."),
    disabled: bool = typer.Option(False, "--disabled", help="Add it switched off."),
    skip_existing: bool = typer.Option(
        False, "--skip-existing",
        help="Remember the articles listed now without enqueueing them: only later ones are translated."),
) -> None:
    """Register a feed (RSS, Atom) or sitemap whose new articles are enqueued on a schedule."""
    try:
        schedule = normalize(schedule)
    except InvalidSource as error:
        raise typer.BadParameter(error.reason, param_hint="--schedule") from None
    settings = load_settings()
    database_url = ready_database(settings)
    listed = None
    with work():
        check_url(url)  # a malformed URL is said as such, not as a source that cannot be read
        _refuse_private(url, settings)  # with --kind nothing is fetched now: check anyway
        if kind is None:
            try:
                listing = read_listing(url, None, settings)
            except PipelineError as error:
                raise fail(f"cannot read {url.strip()}: {error.reason} "
                           "(give --kind feed or --kind sitemap to add it anyway)") from None
            kind, listed = listing.kind, len(listing.entries)
        with session_scope(database_url) as session:
            source = add_source(session, url, kind, to or settings.target_lang, name=name,
                                schedule=schedule, enabled=not disabled)
            description = (f"added source {source.name}: {source.kind} {source.url} "
                           f"-> {source.target_lang}, {source.schedule}")
    if listed is not None:
        description += f", {listed} articles listed now"
    typer.echo(description)
    if skip_existing:
        baseline = run_source(database_url, source.id, datetime.now(timezone.utc),
                              settings=settings, baseline=True)
        if baseline is None or baseline.state != SourceRunState.done:
            raise fail(f"source {source.name} added, but its articles could not be "
                       f"remembered: {baseline.error if baseline else 'source gone'}")
        typer.echo(f"remembered {baseline.found} articles listed now; they will not be enqueued")
    if not disabled:
        typer.echo(f"next run {when(next_slot(schedule, datetime.now(timezone.utc)))} "
                   f"(or now: transdraft sources run {source.name})")


def _refuse_private(url: str, settings: Settings) -> None:
    """FetchRefused for a URL the SSRF guard would refuse to fetch (private, loopback, ...);
    a host that does not resolve now is left for the runs to report."""
    host, port = host_and_port(url)
    try:
        resolve_and_check(host, port, settings.fetch_allow_hosts)
    except (FetchFailed, FetchUnavailable):
        pass


@app.command("run")
def run_command(
    name: Optional[str] = typer.Argument(None, metavar="[NAME]",
                                         help="The source to run (default: every enabled one)."),
    due: bool = typer.Option(False, "--due",
                             help="Only sources whose scheduled slot has not run yet, as the scheduler does."),
    wait: bool = typer.Option(False, "--wait", help="Follow the enqueued jobs until they end; exit 1 if any failed."),
) -> None:
    """Read sources now and enqueue their new and changed articles."""
    if due and name:
        raise typer.BadParameter("give a NAME or --due, not both", param_hint="--due")
    settings = load_settings()
    database_url = ready_database(settings)
    now = datetime.now(timezone.utc)
    with work():
        with session_scope(database_url) as session:
            names = {row.id: row.name for row in session.execute(select(Source.id, Source.name))}
            if name:
                chosen = [get_source(session, name).id]
            else:
                chosen = list(session.scalars(
                    select(Source.id).where(Source.enabled.is_(True)).order_by(Source.name)))
        if due:
            runs = run_due(database_url, now, settings)
        else:
            runs = [run for run in (run_source(database_url, source_id, now, settings=settings)
                                    for source_id in chosen) if run is not None]
    # The runs committed their jobs; only now may workers hear of them (publish never raises:
    # a job whose message is lost stays queued, and the sweeper dispatches it).
    job_ids = [job_id for run in runs for job_id in run.job_ids]
    if job_ids:
        publish(job_ids, settings)
    if not runs:
        typer.echo("nothing to run" + (" (no source is due)" if due else " (no enabled source)"))
        return
    for run in runs:
        typer.echo(f"{names.get(run.source_id, run.source_id)}: {run_summary(run_document(run))}")
    failed = [run for run in runs if run.state == SourceRunState.failed]
    if failed:
        reasons = "; ".join(f"{names.get(run.source_id, run.source_id)}: {run.error}"
                            for run in failed)
        raise fail(f"{len(failed)} of {len(runs)} source runs failed: {reasons}")
    if wait:
        wait_for(database_url, job_ids)
