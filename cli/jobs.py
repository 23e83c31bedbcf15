"""``enqueue``, ``worker``, ``beat``, ``jobs list|show|retry`` and ``up``."""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer

from cli.arguments import language
from cli.common import fail, load_settings, ready_database, work

BATCH = 500  # URLs per transaction: commit, then publish, so a crash loses at most a batch
JOB_STATES = ("queued", "running", "done", "failed")


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


def enqueue(
    urls: list[str] = typer.Argument(None, help="Article URLs."),
    file: Optional[str] = typer.Option(None, "--file", help="A file of URLs, one a line; - for stdin."),
    to: Optional[str] = typer.Option(None, "--to", callback=language, help="Target language (default: TRANSDRAFT_TARGET_LANG)."),
    provider: Optional[str] = typer.Option(None, "--provider", help="Provider or comma-separated chain."),
    wait: bool = typer.Option(False, "--wait", help="Follow the jobs until they end; exit 1 if any failed."),
) -> None:
    """Add durable jobs for URLs and send them to the workers."""
    from pipeline.db.session import session_scope
    from pipeline.jobs.intake import enqueue as add_jobs
    from worker.dispatch import local_runner_active, publish

    from cli.translate import _check_providers

    if provider:
        _check_providers(provider)
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
    with work(), _progress(len(given)) as advance:
        for start in range(0, len(given), BATCH):
            batch = given[start:start + BATCH]
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


def wait_for(database_url: str, job_ids: list[int]) -> None:
    """Follow ``job_ids`` on stderr until they end; exit 1 naming the failed ones."""
    from cli.progress import watch

    failed = watch(database_url, job_ids)
    if failed:
        raise fail(f"{len(failed)} of {len(set(job_ids))} jobs failed")


class _progress:
    """A rich progress bar on stderr when it is a terminal; nothing otherwise."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar = None

    def __enter__(self):
        if sys.stderr.isatty():
            from rich.console import Console
            from rich.progress import Progress

            self.bar = Progress(console=Console(stderr=True), transient=True)
            self.bar.start()
            task = self.bar.add_task("enqueueing", total=self.total)
            return lambda n: self.bar.advance(task, n)
        return lambda n: None

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def worker(
    ctx: typer.Context,
    concurrency: Optional[int] = typer.Option(None, "--concurrency", "-c", help="Worker processes."),
    queues: Optional[str] = typer.Option(None, "--queues", "-Q", help="Comma-separated queues (default: all)."),
    loglevel: str = typer.Option("INFO", "--loglevel", "-l"),
) -> None:
    """Start a Celery worker on every queue: fetch, translate, compose, dispatch, sweep."""
    from worker.app import QUEUES, get_app

    settings = load_settings()
    _need_broker(settings)
    ready_database(settings)
    argv = ["worker", f"--loglevel={loglevel}", f"--queues={queues or ','.join(QUEUES)}"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    get_app(settings).worker_main(argv + list(ctx.args))


def beat(
    ctx: typer.Context,
    loglevel: str = typer.Option("INFO", "--loglevel", "-l"),
) -> None:
    """Start the scheduler: the sweeper every sweep_interval, due sources every minute."""
    from worker.app import get_app

    settings = load_settings()
    _need_broker(settings)
    ready_database(settings)
    get_app(settings).start(["beat", f"--loglevel={loglevel}", *ctx.args])


def up(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8000, "--port"),
    no_web: bool = typer.Option(False, "--no-web", help="Only the workers and the scheduler."),
    concurrency: int = typer.Option(2, "--concurrency", "-c", min=1, help="Job runner threads."),
    extract_processes: Optional[int] = typer.Option(
        None, "--extract-processes", min=0,
        help="Processes that extract pages beside the runner threads (0: on the threads); "
             "default one per runner, up to the number of CPUs."),
) -> None:
    """Web app, workers and scheduler in one process, without an external broker."""
    import logging
    import signal
    import threading

    from worker.local import LocalRunner

    settings = load_settings()
    ready_database(settings)
    runner = LocalRunner(settings, threads=concurrency, extract_processes=extract_processes)
    logging.getLogger("worker.local").setLevel(logging.INFO)
    # One line per job start, finish and failure (pipeline.jobs.execution logs them).
    logging.getLogger("pipeline.jobs.execution").setLevel(logging.INFO)
    if no_web:
        stopped = threading.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stopped.set())
        runner.start()
        processes = runner.extract_processes
        print(f"transdraft up: {concurrency} runners, {processes} extraction "
              f"process{'' if processes == 1 else 'es'} and the scheduler on "
              f"{settings.database_url.split('://')[0]}; Ctrl-C stops", file=sys.stderr)
        stopped.wait()
        runner.stop()
        return
    import uvicorn

    from pipeline.errors import TemplateError
    from web.app import create_app

    try:
        # No publish: the runners take new jobs straight from the database.
        web_app = create_app(settings, publish=None)
    except TemplateError as error:
        raise fail(error.reason) from None
    # uvicorn handles SIGINT/SIGTERM itself, then raises the signal again for the handler
    # that was there before it: let that one be a no-op, so the runners below stop cleanly
    # (finishing their current stage) instead of the process dying mid-job.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    runner.start()
    try:
        # Access logs show paths only: credentials travel in headers, cookies and bodies.
        uvicorn.run(web_app, host=host, port=port, proxy_headers=False, log_level="info")
    finally:
        runner.stop()


jobs_app = typer.Typer(no_args_is_help=True, help="Look at jobs and retry failed ones.")


@jobs_app.command("list")
def jobs_list(
    state: Optional[str] = typer.Option(None, "--state", help="queued, running, done or failed."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Jobs newest first; all matching unless --limit."""
    from sqlalchemy import select

    from pipeline.db.session import session_scope
    from pipeline.jobs.lifecycle import job_document
    from pipeline.db.models import Job

    if state is not None and state not in JOB_STATES:
        raise typer.BadParameter(f"choose from {', '.join(JOB_STATES)}", param_hint="--state")
    _check_format(format, ("text", "json"))
    settings = load_settings()
    database_url = ready_database(settings)
    with work(), session_scope(database_url) as session:
        query = select(Job).order_by(Job.id.desc())
        if state:
            query = query.where(Job.state == state)
        if limit:
            query = query.limit(limit)
        documents = [job_document(job) for job in session.scalars(query)]
    if format == "json":
        typer.echo(json.dumps(documents))
        return
    for job in documents:
        error = f"  {job['last_error']}" if job["last_error"] else ""
        typer.echo(f"{job['id']:>6}  {job['state']:<8} {job['stage']:<9} {job['target_lang']:<3} "
                   f"{job['url']}{error}")


@jobs_app.command("show")
def jobs_show(
    job_id: int = typer.Argument(..., metavar="ID"),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """One job: its state, stage, attempts and last error."""
    from pipeline.db.session import session_scope
    from pipeline.jobs.lifecycle import job_document
    from pipeline.db.models import Job

    _check_format(format, ("text", "json"))
    settings = load_settings()
    database_url = ready_database(settings)
    with work(), session_scope(database_url) as session:
        job = session.get(Job, job_id)
        if job is None:
            raise fail(f"no job {job_id}")
        document = job_document(job)
    if format == "json":
        typer.echo(json.dumps(document))
        return
    for key, value in document.items():
        if value is not None:
            typer.echo(f"{key}: {value}")


@jobs_app.command("retry")
def jobs_retry(
    job_id: Optional[int] = typer.Argument(None, metavar="[ID]"),
    failed: bool = typer.Option(False, "--failed", help="Retry every failed job."),
) -> None:
    """Queue a failed job again (or every failed one) from the stage it failed at."""
    from pipeline.db.session import session_scope
    from pipeline.jobs.lifecycle import retry, retry_failed
    from worker.dispatch import publish

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


@jobs_app.command("watch")
def jobs_watch(
    job_ids: Optional[list[int]] = typer.Argument(None, metavar="[IDS]...",
                                                  help="Job ids (default: every queued or running job)."),
) -> None:
    """Follow jobs until each is done or failed; exit 1 listing the failed ones."""
    from pipeline.jobs.following import job_views

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


def _need_broker(settings) -> None:
    if not settings.has_broker():
        raise fail("no broker configured: set TRANSDRAFT_BROKER_URL (e.g. redis://localhost:6379/0), "
                   "or run `transdraft up`, which needs none")


def _check_format(value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise typer.BadParameter(f"choose {' or '.join(allowed)}", param_hint="--format")


def register(app: typer.Typer) -> None:
    """Add these commands to the root app."""
    extra = {"allow_extra_args": True, "ignore_unknown_options": True}
    app.command("enqueue")(enqueue)
    app.command("worker", context_settings=extra)(worker)
    app.command("beat", context_settings=extra)(beat)
    app.command("up")(up)
    app.add_typer(jobs_app, name="jobs", help="Look at jobs and retry failed ones.")
