"""``serve``: the web app (HTTP API and reviewer UI) with uvicorn."""

from __future__ import annotations

from collections.abc import Callable

import typer
import uvicorn

from cli.common import fail, load_settings, ready_database
from config.settings import Settings
from pipeline.errors import TemplateError
from web.app import create_app
from worker.dispatch import publish

app = typer.Typer()


@app.command("serve")
def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Serve the HTTP API and the reviewer UI."""
    settings = load_settings()
    ready_database(settings)
    try:
        web_app = create_app(settings, publish=_publisher(settings))
    except TemplateError as error:
        raise fail(error.reason) from None
    # Access logs show paths only: credentials travel in headers, cookies and bodies.
    # The app reads X-Forwarded-For itself, only from TRANSDRAFT_TRUSTED_PROXIES.
    uvicorn.run(web_app, host=host, port=port, proxy_headers=False, log_level="info")


def _publisher(settings: Settings) -> Callable[[list[int]], object]:
    """``worker.dispatch.publish`` bound to the settings: new jobs go to the workers at once
    (and when the broker is down they stay queued for the sweeper)."""
    return lambda job_ids: publish(job_ids, settings)
