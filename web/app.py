"""The web app: the JSON API, the reviewer UI, sign-in, health and metrics.

``create_app(settings, publish)`` builds it; ``publish(job_ids)`` is called after jobs are
committed (None: the queue's sweeper dispatches queued jobs from the database).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from config.settings import Settings, get_settings
from pipeline.drafts.compose import BlockTemplates
from web.addresses import trusted_networks
from web.errors import HANDLERS
from web.middleware import middleware
from web.openapi_doc import describe_errors
from web.routes import accounts, drafts, health, jobs, login, publishing, review, sites

HERE = Path(__file__).resolve().parent
# The API's operations appear in /openapi.json in this order: the JSON routers first, then the
# pages (which the document leaves out).
ROUTERS = (health.router, login.router, jobs.api, drafts.api, accounts.api, publishing.api,
           sites.api, review.pages, jobs.pages, accounts.pages, publishing.pages, sites.pages)


def create_app(settings: Settings | None = None,
               publish: Callable[[list[int]], None] | None = None) -> FastAPI:
    """The ASGI app for ``settings`` (default: the process settings)."""
    settings = settings or get_settings()
    app = FastAPI(title="transdraft", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Translation drafts: enqueue articles, review and export drafts.",
                  middleware=middleware(settings), exception_handlers=HANDLERS)
    app.state.settings = settings
    app.state.trusted_proxies = trusted_networks(settings.trusted_proxies)
    app.state.publish = publish
    # Compiled once: an invalid block template stops the app at startup.
    app.state.block_templates = BlockTemplates.from_settings(settings)
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    describe_errors(app)
    return app


def route_table(app: FastAPI) -> list[tuple[str, str]]:
    """Every (method, path) the app answers, routers included, for docs and tests."""
    found: list[tuple[str, str]] = []

    def walk(routes) -> None:
        for route in routes:
            if hasattr(route, "effective_route_contexts"):  # FastAPI's included routers
                walk(route.effective_route_contexts())
            elif getattr(route, "methods", None) and hasattr(route, "path"):
                found.extend((method, route.path) for method in sorted(route.methods)
                             if method != "HEAD")
            elif hasattr(route, "path"):  # a mount, e.g. /static
                found.append(("GET", route.path + "/{path}"))

    walk(app.routes)
    return found
