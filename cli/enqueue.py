"""``enqueue``: durable jobs for URLs, committed, then sent to the workers."""

from __future__ import annotations

import sys
from typing import Optional

import typer

from cli.arguments import check_providers, language
from cli.common import fail, load_settings, ready_database, work
from cli.progress import Counting, wait_for
from pipeline.db.batches import batches
from pipeline.db.session import session_scope
from pipeline.jobs.intake import enqueue as add_jobs
from worker.dispatch import local_runner_active, publish

app = typer.Typer()

BATCH = 500  # URLs per transaction: commit, then publish, so a crash loses at most a batch


def _read_urls(urls: list[str], file: Optional[str]) -> list[str]:
    found = list(urls)
    if file is not None:
        try:
            text = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()
        except (OSError, UnicodeDecodeError) as error:
            raise fail(f"cannot read {file}: {error}") from None
        found.extend(line.strip() for line in text.splitlines()
                     if line.strip() and not line.lstrip().startswith("#"))
    return found


@app.command("enqueue")
def enqueue(
    urls: list[str] = typer.Argument(None, help="Article URLs."),
    file: Optional[str] = typer.Option(None, "--file", help="A file of URLs, one a line; - for stdin."),
    to: Optional[str] = typer.Option(None, "--to", callback=language, help="Target language (default: TRANSDRAFT_TARGET_LANG)."),
    provider: Optional[str] = typer.Option(None, "--provider", help="Provider or comma-separated chain."),
    wait: bool = typer.Option(False, "--wait", help="Follow the jobs until they end; exit 1 if any failed."),
) -> None:
    """Add durable jobs for URLs and send them to the workers."""
    if provider:
        check_providers(provider)
    settings = load_settings()
    given = _read_urls(urls or [], file)
    if not given:
        raise typer.BadParameter("give URLs as arguments or with --file", param_hint="URL")
    database_url = ready_database(settings)
    target = to or settings.target_lang
    new = duplicate = published = 0
    invalid: list[tuple[str, str]] = []
    duplicates: list[tuple[str, int, str]] = []  # (url as given, job id, its state)
    followed: list[int] = []
    broker = settings.has_broker()
    runner = broker and local_runner_active(settings)
    with work(), Counting(len(given), "enqueueing") as advance:
        for batch in batches(given, BATCH):
            # The rows commit before anything is published: a lost publish leaves them queued.
            with session_scope(database_url) as session:
                report = add_jobs(session, batch, target, provider,
                                  max_attempts=settings.max_attempts)
                new_ids = report.new_ids
                held = [(url, job.id, job.state)
                        for url, job in zip(report.duplicate_urls, report.duplicate)]
            published += publish(new_ids, settings)
            new += len(report.new)
            duplicate += len(report.duplicate)
            duplicates.extend(held)
            followed.extend(new_ids + [job_id for _, job_id, _ in held])
            invalid.extend(report.invalid)
            advance(len(batch))
    typer.echo(f"new {new}, duplicate {duplicate}, invalid {len(invalid)}")
    for url, job_id, state in duplicates:
        typer.echo(f"duplicate: {url}: job {job_id} is {state}")
    for url, reason in invalid:
        typer.echo(f"invalid: {url}: {reason}")
    if not broker and new:
        print(f"note: no broker configured: the {new} new jobs stay queued for `transdraft up`",
              file=sys.stderr)
    elif runner and new:
        print(f"note: `transdraft up` is running on this database: the {new} new jobs stay "
              "queued for it (nothing was sent to the broker)", file=sys.stderr)
    elif published < new:
        print(f"note: {new - published} new jobs were not sent (broker unavailable); they stay "
              "queued: `transdraft up` runs them, or the sweeper sends them to the workers "
              "once the broker is back", file=sys.stderr)
    if not new and not duplicate:
        raise fail(f"every URL was invalid ({len(invalid)}); no job was made")
    if wait:
        wait_for(database_url, followed)
