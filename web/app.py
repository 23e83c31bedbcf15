"""The web app: the JSON API, the reviewer UI, sign-in, health and metrics.

``create_app(settings, publish)`` builds it; ``publish(job_ids)`` is called after jobs are
committed (None: the queue's sweeper dispatches queued jobs from the database).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from pathlib import Path

from fastapi import FastAPI, Form, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from config.settings import Settings, get_settings
from pipeline.accounts import users as accounts
from pipeline.drafts.compose import BlockTemplates
from pipeline.db.session import get_engine
from web import admin_ui, review_routes
from web.routes import accounts as account_routes
from web.routes import drafts, publishing, review
from web.addresses import client_address, trusted_networks
from web.body_limit import BodySizeLimit
from web.edges import EdgeValidation
from web.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE, Forbidden, NotAuthenticated
from web.deps import AnyUser, DbSession, Operator
from web.metrics import render_metrics
from web.openapi_doc import describe_errors
from web.schemas import Health

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' http: https:; "
       "form-action 'self'; base-uri 'none'; frame-ancestors 'none'; connect-src 'self'")
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # Draft pages show images from source sites: tell them nothing about our URLs.
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
PUBLIC_PATHS = frozenset({"/healthz", "/login", "/openapi.json"})
HOME = {"reviewer": "/drafts", "operator": "/jobs", "admin": "/drafts"}


def is_https(request: Request) -> bool:
    """Whether the client reached us over https (directly or through a proxy that says so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def wants_json(request: Request) -> bool:
    return request.url.path.startswith(("/api/", "/metrics")) or \
        "text/html" not in request.headers.get("accept", "")


def create_app(settings: Settings | None = None,
               publish: Callable[[list[int]], None] | None = None) -> FastAPI:
    """The ASGI app for ``settings`` (default: the process settings)."""
    settings = settings or get_settings()
    app = FastAPI(title="transdraft", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Translation drafts: enqueue articles, review and export drafts.")
    app.state.settings = settings
    proxies = trusted_networks(settings.trusted_proxies)
    app.state.publish = publish
    # Compiled once: an invalid block template stops the app at startup.
    app.state.block_templates = BlockTemplates.from_settings(settings)
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.state.templates = templates

    # Inside the security headers, outermost of the rest: size first, then the edge rules.
    app.add_middleware(EdgeValidation)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if request.url.path != "/static" and not request.url.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(NotAuthenticated)
    async def not_authenticated(request: Request, error: NotAuthenticated):
        if wants_json(request):
            return JSONResponse({"detail": error.reason}, status_code=401,
                                headers={"WWW-Authenticate": "Bearer"})
        return login_page(request, status=401, next_path=request.url.path)

    @app.exception_handler(Forbidden)
    async def forbidden(request: Request, error: Forbidden):
        if wants_json(request):
            return JSONResponse({"detail": error.reason}, status_code=403)
        identity = getattr(request.state, "identity", None)
        return templates.TemplateResponse(request, "error.html", {
            "identity": identity, "title": "Not allowed", "message": error.reason},
            status_code=403)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException):
        if wants_json(request):
            return JSONResponse({"detail": error.detail}, status_code=error.status_code,
                                headers=getattr(error, "headers", None))
        return templates.TemplateResponse(request, "error.html", {
            "identity": getattr(request.state, "identity", None),
            "title": f"Error {error.status_code}", "message": str(error.detail)},
            status_code=error.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError):
        # Never echo the submitted values back (a password field could be among them).
        problems = [{"loc": list(e.get("loc", ())), "msg": e.get("msg", ""),
                     "type": e.get("type", "")} for e in error.errors()]
        return JSONResponse({"detail": problems}, status_code=422)

    def login_page(request: Request, status: int = 200, message: str = "",
                   next_path: str = "") -> Response:
        nonce = secrets.token_urlsafe(24)
        response = templates.TemplateResponse(request, "login.html", {
            "identity": None, "csrf_token": nonce, "message": message,
            "next": _safe_next(next_path)}, status_code=status)
        response.set_cookie(LOGIN_CSRF_COOKIE, nonce, httponly=True, samesite="strict",
                            secure=is_https(request), path="/login")
        return response

    @app.get("/healthz", response_model=Health, tags=["public"])
    def healthz() -> JSONResponse:
        """The database answers: 200; else 503."""
        try:
            with get_engine(settings.database_url).connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            log.warning("health check: database unavailable: %s", type(error).__name__)
            return JSONResponse({"status": "unavailable", "database": "unavailable"},
                                status_code=503)
        return JSONResponse({"status": "ok", "database": "ok"})

    @app.get("/metrics", response_class=Response)
    def metrics(session: DbSession, identity: Operator) -> Response:
        """Prometheus text: jobs by state, drafts by status, characters sent per provider."""
        return Response(render_metrics(session),
                        media_type="text/plain; version=0.0.4; charset=utf-8")

    @app.get("/login", response_class=HTMLResponse, tags=["public"])
    def login_form(request: Request, next: str = "") -> Response:
        """The sign-in form."""
        return login_page(request, next_path=next)

    @app.post("/login", tags=["public"])
    def login(request: Request, session: DbSession, name: str = Form(..., max_length=200),
              password: str = Form(..., max_length=1000), csrf_token: str = Form(""),
              next: str = Form("")) -> Response:
        """Check name and password (rate limited) and start a session."""
        if not accounts.same_secret(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token):
            return login_page(request, 403, "The sign-in form expired: please try again.", next)
        address = client_address(request, proxies)
        try:
            user = accounts.check_login(session, name, password, address)
        except accounts.TooManyAttempts as error:
            session.commit()
            return login_page(request, 429, error.reason[0].upper() + error.reason[1:] + ".",
                              next)
        if user is None:
            session.commit()  # the failed attempt counts
            return login_page(request, 401, "Wrong name or password.", next)
        new_login, secret = accounts.start_session(session, user)
        if settings.single_session:
            accounts.end_other_sessions(session, user, new_login)
        session.commit()
        log.info("user %s signed in", user.name)
        response = RedirectResponse(_safe_next(next) or HOME[user.role], status_code=303)
        response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax",
                            secure=is_https(request), path="/",
                            max_age=int(accounts.SESSION_LIFETIME.total_seconds()))
        response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
        return response

    @app.post("/logout")
    def logout(request: Request, session: DbSession, identity: AnyUser) -> Response:
        """End this session."""
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            accounts.end_session(session, cookie)
            session.commit()
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/", response_class=RedirectResponse)
    def home(identity: AnyUser) -> RedirectResponse:
        """Each role's start page."""
        return RedirectResponse(HOME[identity.role], status_code=303)

    app.include_router(drafts.router)
    app.include_router(account_routes.router)
    app.include_router(review.router)
    app.include_router(publishing.api)
    app.include_router(publishing.pages)
    app.include_router(admin_ui.router)  # after review: /admin/users/{id}/tokens is review's
    app.include_router(review_routes.router)
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    describe_errors(app)
    return app


def _safe_next(path: str) -> str:
    # Only our own absolute paths: "//evil.example" or "https://..." would leave the site.
    if path.startswith("/") and not path.startswith("//") and "\\" not in path \
            and path not in ("/login", "/logout"):
        return path
    return ""


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
