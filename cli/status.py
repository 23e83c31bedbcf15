"""``status``: counts of jobs and drafts, the sources' last runs and what was sent today."""

from __future__ import annotations

from collections.abc import Iterator

import typer

from cli.common import database_label, load_settings, ready_database, work
from cli.output import check_format, show
from cli.sources import status_lines
from pipeline.db.session import session_scope
from pipeline.drafts.store import counts
from pipeline.ledger.budget import Requests, requests_today, usage_today

app = typer.Typer()


@app.command("status")
def status(
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Counts of jobs by state and drafts by status."""
    check_format(format)
    settings = load_settings()
    database_url = ready_database(settings)
    with work(), session_scope(database_url) as session:
        result = counts(session)
        sources = status_lines(session) if format == "text" else []
        usage = usage_today(session)
        requests = requests_today(session)
    show(format, result, _lines(result, database_url, sources, usage, requests,
                                settings.char_budget_daily))


def _lines(result: dict, database_url: str, sources: list[str], usage: dict[str, int],
           requests: dict[str, Requests], budget: int | None) -> Iterator[str]:
    yield f"database: {database_label(database_url)}"
    if not any(result["jobs"].values()) and not any(result["drafts"].values()):
        yield ("the database is empty: no jobs and no drafts yet "
               "(start with `transdraft translate URL`)")
    yield "jobs:   " + "  ".join(f"{k} {v}" for k, v in result["jobs"].items())
    yield "drafts: " + "  ".join(f"{k} {v}" for k, v in result["drafts"].items())
    yield from sources
    sent = "  ".join(f"{k} {v}" + (f"/{budget}" if budget is not None else "")
                     for k, v in usage.items()) or "none"
    yield f"characters sent today (UTC): {sent}"
    yield from token_lines(requests)


def token_lines(requests: dict[str, Requests]) -> list[str]:
    """One line per provider whose answers reported tokens today (or could not)."""
    lines = []
    for provider, used in requests.items():
        if not used.tokens_in and not used.tokens_out and not used.unmetered_requests:
            continue  # a provider that has no tokens (an MT engine)
        line = (f"tokens today (UTC): {provider} {used.tokens_in} in, {used.tokens_out} out, "
                f"{used.requests} requests")
        if used.unmetered_requests:
            line += (f" ({used.unmetered_requests} without token counts from the server: "
                     "counted by characters only)")
        lines.append(line)
    return lines
