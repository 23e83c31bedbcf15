"""``up``: the web app, the job runners and the scheduler in one process, without a broker."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Optional

import typer
import uvicorn

from cli.common import fail, load_settings, ready_database
from pipeline.errors import TemplateError
from web.app import create_app
from worker.local import LocalRunner

app = typer.Typer()


@app.command("up")
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
