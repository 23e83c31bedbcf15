"""The middleware around every route, outermost first: security headers on every answer,
then the body size limit, then the edge rules (:mod:`web.body_limit`, :mod:`web.edges`)."""

from __future__ import annotations

from fastapi import Request
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware

from config.settings import Settings
from web.body_limit import BodySizeLimit
from web.edges import EdgeValidation

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


async def security_headers(request: Request, call_next):
    """The security headers on every answer; nothing but static files is cached."""
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.url.path != "/static" and not request.url.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def middleware(settings: Settings) -> list[Middleware]:
    """The stack for ``settings``: size first, then the edge rules, inside the headers."""
    return [Middleware(BaseHTTPMiddleware, dispatch=security_headers),
            Middleware(BodySizeLimit, max_bytes=settings.max_body_bytes),
            Middleware(EdgeValidation)]
