"""``sources add|list|run|remove|enable|disable``: feeds and sitemaps read on a schedule."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timezone
from typing import Optional

import typer

from cli.arguments import language
from cli.common import fail, load_settings, ready_database, work

app = typer.Typer(no_args_is_help=True)
log = logging.getLogger(__name__)

KINDS = ("feed", "sitemap")


@app.command("add")
def add_command(
    url: str = typer.Argument(..., metavar="URL", help="The feed's or sitemap's URL."),
    kind: Optional[str] = typer.Option(None, "--kind", help="feed or sitemap (default: detected)."),
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
    from pipeline.db.session import session_scope
    from pipeline.errors import InvalidSource, PipelineError
    from pipeline.fetch import check_url
    from pipeline.sources import add_source, run_source
    from pipeline.sources.listing import read_listing
    from pipeline.sources.schedule import next_slot, normalize

    if kind is not None and kind not in KINDS:
        raise typer.BadParameter("choose feed or sitemap", param_hint="--kind")
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
            kind, listed = listing.kind.value, len(listing.entries)
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
        if baseline is None or baseline.state != "done":
            raise fail(f"source {source.name} added, but its articles could not be "
                       f"remembered: {baseline.error if baseline else 'source gone'}")
        typer.echo(f"remembered {baseline.found} articles listed now; they will not be enqueued")
    if not disabled:
        typer.echo(f"next run {_when(next_slot(schedule, datetime.now(timezone.utc)))} "
                   f"(or now: transdraft sources run {source.name})")


def _refuse_private(url: str, settings) -> None:
    """FetchRefused for a URL the SSRF guard would refuse to fetch (private, loopback, ...);
    a host that does not resolve now is left for the runs to report."""
    from pipeline.errors import FetchFailed, FetchUnavailable
    from pipeline.fetch.guard import resolve_and_check
    from pipeline.fetch.urls import host_and_port

    host, port = host_and_port(url)
    try:
        resolve_and_check(host, port, settings.fetch_allow_hosts)
    except (FetchFailed, FetchUnavailable):
        pass


@app.command("list")
def list_command(
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Every source with its schedule and last run (found, new, changed, skipped, failed)."""
    from pipeline.db.session import session_scope
    from pipeline.sources import sources_with_last_run

    if format not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--format")
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        documents = [_document(source, run) for source, run in sources_with_last_run(session)]
    if format == "json":
        typer.echo(json.dumps(documents, ensure_ascii=False))
        return
    if not documents:
        typer.echo("no sources (add one: transdraft sources add URL)")
        return
    for d in documents:
        state = "" if d["enabled"] else "  (disabled)"
        typer.echo(f"{d['name']}  {d['kind']}  ->{d['target_lang']}  {d['schedule']}"
                   f"  next {_when(d['next_run']) if d['next_run'] else '-'}{state}  {d['url']}")
        typer.echo("    " + run_summary(d["last_run"]))


@app.command("run")
def run_command(
    name: Optional[str] = typer.Argument(None, metavar="[NAME]",
                                         help="The source to run (default: every enabled one)."),
    due: bool = typer.Option(False, "--due",
                             help="Only sources whose scheduled slot has not run yet, as the scheduler does."),
    wait: bool = typer.Option(False, "--wait", help="Follow the enqueued jobs until they end; exit 1 if any failed."),
) -> None:
    """Read sources now and enqueue their new and changed articles."""
    from sqlalchemy import select

    from pipeline.db.session import session_scope
    from pipeline.db.models import Source
    from pipeline.sources import get_source, run_due, run_source

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
    # The runs committed their jobs; only now may workers hear of them.
    _publish([job_id for run in runs for job_id in run.job_ids], settings)
    if not runs:
        typer.echo("nothing to run" + (" (no source is due)" if due else " (no enabled source)"))
        return
    for run in runs:
        typer.echo(f"{names.get(run.source_id, run.source_id)}: {run_summary(_run_document(run))}")
    failed = [run for run in runs if run.state == "failed"]
    if failed:
        reasons = "; ".join(f"{names.get(run.source_id, run.source_id)}: {run.error}"
                            for run in failed)
        raise fail(f"{len(failed)} of {len(runs)} source runs failed: {reasons}")
    if wait:
        from cli.jobs import wait_for

        wait_for(database_url, [job_id for run in runs for job_id in run.job_ids])


@app.command("remove")
def remove_command(name: str = typer.Argument(..., metavar="NAME")) -> None:
    """Forget a source and its run history (its jobs and drafts stay)."""
    from pipeline.db.session import session_scope
    from pipeline.sources import remove_source

    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        remove_source(session, name)
    typer.echo(f"removed source {name}")


@app.command("enable")
def enable_command(name: str = typer.Argument(..., metavar="NAME")) -> None:
    """Run a source on its schedule again."""
    _set_enabled(name, True)


@app.command("disable")
def disable_command(name: str = typer.Argument(..., metavar="NAME")) -> None:
    """Stop running a source on its schedule (``sources run NAME`` still works)."""
    _set_enabled(name, False)


def _set_enabled(name: str, enabled: bool) -> None:
    from pipeline.db.session import session_scope
    from pipeline.sources import get_source

    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        get_source(session, name).enabled = enabled
    typer.echo(f"{'enabled' if enabled else 'disabled'} source {name}")


def _publish(job_ids: list[int], settings) -> None:
    """Hand the committed jobs to the workers (never raises: a job whose message is lost
    stays queued, and the sweeper dispatches it)."""
    from worker.dispatch import publish

    if job_ids:
        publish(job_ids, settings)


def status_lines(session) -> list[str]:
    """The ``sources:`` section of ``transdraft status``: one line per source, last run."""
    from pipeline.sources import sources_with_last_run

    rows = sources_with_last_run(session)
    if not rows:
        return []
    lines = ["sources:"]
    for source, run in rows:
        off = " (disabled)" if not source.enabled else ""
        lines.append(f"  {source.name}{off}: {run_summary(_run_document(run))}")
    return lines


def run_summary(run: dict | None) -> str:
    """One line about a run: its state and counts, and its error or warning."""
    if run is None:
        return "never run"
    line = (f"{run['state']} {_when(run['finished_at'] or run['started_at'])}  "
            f"found {run['found']}  new {run['new']}  changed {run['changed']}  "
            f"skipped {run['skipped']}  failed {run['failed']}")
    if run["error"]:
        line += f"  error: {run['error']}"
    if run["retry_at"]:
        line += f"  (retry {_when(run['retry_at'])})"
    if run["warning"]:
        line += f"  warning: {run['warning']}"
    return line


def _document(source, run) -> dict:
    from pipeline.sources.schedule import next_slot

    next_run = (next_slot(source.schedule, datetime.now(timezone.utc)).isoformat()
                if source.enabled else None)
    return {"id": source.id, "name": source.name, "url": source.url, "kind": source.kind,
            "target_lang": source.target_lang, "schedule": source.schedule,
            "enabled": source.enabled, "next_run": next_run, "last_run": _run_document(run)}


def _run_document(run) -> dict | None:
    from pipeline.sources.schedule import as_utc

    if run is None:
        return None
    return {"id": run.id, "slot": as_utc(run.slot).isoformat(), "trigger": run.trigger,
            "state": run.state, "found": run.found, "new": run.new, "changed": run.changed,
            "skipped": run.skipped, "failed": run.failed, "error": run.error,
            "warning": run.warning, "attempts": run.attempts,
            "retry_at": as_utc(run.retry_at).isoformat() if run.retry_at else None,
            "started_at": as_utc(run.started_at).isoformat(),
            "finished_at": as_utc(run.finished_at).isoformat() if run.finished_at else None}


def _when(moment: str | datetime) -> str:
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
