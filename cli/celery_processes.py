"""``worker`` and ``beat``: the Celery processes of a team that runs a broker."""

from __future__ import annotations

from typing import Optional

import typer

from cli.common import fail, load_settings, ready_database
from config.settings import Settings
from worker.app import QUEUES, get_app

app = typer.Typer()

# Options after the known ones go to Celery as they are (``--pool solo``, ``--hostname``, ...).
PASS_ON = {"allow_extra_args": True, "ignore_unknown_options": True}


@app.command("worker", context_settings=PASS_ON)
def worker(
    ctx: typer.Context,
    concurrency: Optional[int] = typer.Option(None, "--concurrency", "-c", help="Worker processes."),
    queues: Optional[str] = typer.Option(None, "--queues", "-Q", help="Comma-separated queues (default: all)."),
    loglevel: str = typer.Option("INFO", "--loglevel", "-l"),
) -> None:
    """Start a Celery worker on every queue: fetch, translate, compose, dispatch, sweep."""
    settings = load_settings()
    _need_broker(settings)
    ready_database(settings)
    argv = ["worker", f"--loglevel={loglevel}", f"--queues={queues or ','.join(QUEUES)}"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    get_app(settings).worker_main(argv + list(ctx.args))


@app.command("beat", context_settings=PASS_ON)
def beat(
    ctx: typer.Context,
    loglevel: str = typer.Option("INFO", "--loglevel", "-l"),
) -> None:
    """Start the scheduler: the sweeper every sweep_interval, due sources every minute."""
    settings = load_settings()
    _need_broker(settings)
    ready_database(settings)
    get_app(settings).start(["beat", f"--loglevel={loglevel}", *ctx.args])


def _need_broker(settings: Settings) -> None:
    if not settings.has_broker():
        raise fail("no broker configured: set TRANSDRAFT_BROKER_URL (e.g. redis://localhost:6379/0), "
                   "or run `transdraft up`, which needs none")
