"""``sources list|remove|enable|disable`` and the sources' lines in ``status``: the commands
that read or change the registry without fetching anything (cli/source_fetching.py fetches)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

import typer
from sqlalchemy.orm import Session

from cli.common import load_settings, ready_database, work
from cli.output import check_format, show
from pipeline.db.models import Source, SourceRun
from pipeline.db.session import session_scope
from pipeline.sources.registry import get_source, remove_source, sources_with_last_run
from pipeline.sources.schedule import next_slot

app = typer.Typer()


@app.command("list")
def list_command(
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Every source with its schedule and last run (found, new, changed, skipped, failed)."""
    check_format(format)
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        documents = [_document(source, run) for source, run in sources_with_last_run(session)]
    show(format, documents, _source_lines(documents))


def _source_lines(documents: list[dict]) -> Iterator[str]:
    if not documents:
        yield "no sources (add one: transdraft sources add URL)"
    for d in documents:
        state = "" if d["enabled"] else "  (disabled)"
        yield (f"{d['name']}  {d['kind']}  ->{d['target_lang']}  {d['schedule']}"
               f"  next {when(d['next_run']) if d['next_run'] else '-'}{state}  {d['url']}")
        yield "    " + run_summary(d["last_run"])


@app.command("remove")
def remove_command(name: str = typer.Argument(..., metavar="NAME")) -> None:
    """Forget a source and its run history (its jobs and drafts stay)."""
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
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        get_source(session, name).enabled = enabled
    typer.echo(f"{'enabled' if enabled else 'disabled'} source {name}")


def status_lines(session: Session) -> list[str]:
    """The ``sources:`` section of ``transdraft status``: one line per source, last run."""
    rows = sources_with_last_run(session)
    if not rows:
        return []
    lines = ["sources:"]
    for source, run in rows:
        off = " (disabled)" if not source.enabled else ""
        lines.append(f"  {source.name}{off}: {run_summary(run_document(run))}")
    return lines


def run_summary(run: dict | None) -> str:
    """One line about a run: its state and counts, and its error or warning."""
    if run is None:
        return "never run"
    line = (f"{run['state']} {when(run['finished_at'] or run['started_at'])}  "
            f"found {run['found']}  new {run['new']}  changed {run['changed']}  "
            f"skipped {run['skipped']}  failed {run['failed']}")
    if run["error"]:
        line += f"  error: {run['error']}"
    if run["retry_at"]:
        line += f"  (retry {when(run['retry_at'])})"
    if run["warning"]:
        line += f"  warning: {run['warning']}"
    return line


def _document(source: Source, run: SourceRun | None) -> dict:
    next_run = (next_slot(source.schedule, datetime.now(timezone.utc)).isoformat()
                if source.enabled else None)
    return {"id": source.id, "name": source.name, "url": source.url, "kind": source.kind,
            "target_lang": source.target_lang, "schedule": source.schedule,
            "enabled": source.enabled, "next_run": next_run, "last_run": run_document(run)}


def run_document(run: SourceRun | None) -> dict | None:
    """A source run as JSON: its slot, state, counts, error and times (UTC, ISO 8601)."""
    if run is None:
        return None
    return {"id": run.id, "slot": run.slot.isoformat(), "trigger": run.trigger,
            "state": run.state, "found": run.found, "new": run.new, "changed": run.changed,
            "skipped": run.skipped, "failed": run.failed, "error": run.error,
            "warning": run.warning, "attempts": run.attempts,
            "retry_at": run.retry_at.isoformat() if run.retry_at else None,
            "started_at": run.started_at.isoformat(),
            "finished_at": run.finished_at.isoformat() if run.finished_at else None}


def when(moment: str | datetime) -> str:
    """A moment as ``2025-06-01 03:00 UTC``."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
