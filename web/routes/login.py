"""Signing in and out, and each role's start page.

The sign-in form carries a nonce that must match its own cookie (there is no session yet
whose CSRF token could protect it); a wrong password or too many attempts answer the form
again with the reason.
"""

from __future__ import annotations

import logging
import secrets

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from pipeline.accounts import users as accounts
from pipeline.vocabulary import Role
from web.addresses import client_address
from web.auth import LOGIN_CSRF_COOKIE, SESSION_COOKIE
from web.deps import AnyUser, AppSettings, DbSession, render

log = logging.getLogger(__name__)
router = APIRouter()
HOME = {Role.reviewer: "/drafts", Role.operator: "/jobs", Role.admin: "/drafts"}


def is_https(request: Request) -> bool:
    """Whether the client reached us over https (directly or through a proxy that says so)."""
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def safe_next(path: str) -> str:
    """``path`` when it is one of our own pages to go on to after signing in, else ""."""
    # Only our own absolute paths: "//evil.example" or "https://..." would leave the site.
    if path.startswith("/") and not path.startswith("//") and "\\" not in path \
            and path not in ("/login", "/logout"):
        return path
    return ""


def login_page(request: Request, status: int = 200, message: str = "",
               next_path: str = "") -> Response:
    """The sign-in form with a fresh nonce, also set as the cookie it must match."""
    nonce = secrets.token_urlsafe(24)
    response = render(request, "login.html", {
        "identity": None, "csrf_token": nonce, "message": message,
        "next": safe_next(next_path)}, status=status)
    response.set_cookie(LOGIN_CSRF_COOKIE, nonce, httponly=True, samesite="strict",
                        secure=is_https(request), path="/login")
    return response


@router.get("/login", response_class=HTMLResponse, tags=["public"])
def login_form(request: Request, next: str = "") -> Response:
    """The sign-in form."""
    return login_page(request, next_path=next)


@router.post("/login", tags=["public"])
def login(request: Request, session: DbSession, settings: AppSettings,
          name: str = Form(..., max_length=200), password: str = Form(..., max_length=1000),
          csrf_token: str = Form(""), next: str = Form("")) -> Response:
    """Check name and password (rate limited) and start a session."""
    if not accounts.same_secret(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf_token):
        return login_page(request, 403, "The sign-in form expired: please try again.", next)
    address = client_address(request, request.app.state.trusted_proxies)
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
    response = RedirectResponse(safe_next(next) or HOME[user.role], status_code=303)
    response.set_cookie(SESSION_COOKIE, secret, httponly=True, samesite="lax",
                        secure=is_https(request), path="/",
                        max_age=int(accounts.SESSION_LIFETIME.total_seconds()))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, session: DbSession, identity: AnyUser) -> Response:
    """End this session."""
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        accounts.end_session(session, cookie)
        session.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/", response_class=RedirectResponse)
def home(identity: AnyUser) -> RedirectResponse:
    """Each role's start page."""
    return RedirectResponse(HOME[identity.role], status_code=303)
