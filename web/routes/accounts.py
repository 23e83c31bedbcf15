"""Accounts: admins manage users (over the API and on the Users page), everyone their own API
tokens, and admins read the account audit log.

A token is only ever minted for the caller: an admin who could mint one for someone else
could act as them, and the audit log would name the wrong person. Each change goes through
:mod:`pipeline.accounts.admin`, which ends the user's sessions and tokens where rights shrink.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.accounts import admin as user_admin
from pipeline.accounts import audit
from pipeline.accounts import users as accounts
from pipeline.db.models import ApiToken, User
from pipeline.vocabulary import Role
from web.auth import Identity
from web.deps import Admin, AnyUser, DbSession, render
from web.schemas import ApiTime

api = APIRouter(prefix="/api", tags=["accounts"])
pages = APIRouter(include_in_schema=False)
UserName = Path(..., min_length=1, max_length=200)
TokenId = Path(..., ge=1, le=2**31 - 1)


class UserOut(BaseModel):
    id: int
    name: str
    role: Role
    active: bool
    has_password: bool
    tokens: int
    sessions: int
    created_at: str


class UserList(BaseModel):
    users: list[UserOut]


class UserChange(BaseModel):
    """Enable or disable a user, or change their role (or both)."""

    model_config = ConfigDict(extra="forbid")

    active: bool | None = None
    role: Role | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=8, max_length=1000)


class AuditEventOut(BaseModel):
    actor: str
    actor_id: int | None
    credential: str
    action: str
    detail: dict
    created_at: ApiTime


class AuditList(BaseModel):
    events: list[AuditEventOut]


class TokenOut(BaseModel):
    id: int
    user: str
    label: str
    created_at: str
    revoked_at: str | None


class TokenList(BaseModel):
    tokens: list[TokenOut]


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    label: str = Field(default="", max_length=200)


class NewTokenOut(TokenOut):
    """The new token; ``token`` is the secret, shown this once."""

    token: str


def _account_errors(error: accounts.AccountError) -> HTTPException:
    if isinstance(error, user_admin.UnknownUser):
        return HTTPException(404, error.reason)
    if isinstance(error, user_admin.LastAdmin):
        return HTTPException(409, error.reason)
    return HTTPException(422, error.reason)


def _row(session, name: str) -> dict:
    row = next((r for r in user_admin.list_users(session) if r.name == name), None)
    if row is None:
        raise HTTPException(404, f"no user named {name!r}")
    return row.to_json()


@api.get("/users", response_model=UserList)
def list_users(session: DbSession, identity: Admin) -> dict:
    """Every user: role, active or not, how many live tokens and sessions."""
    return {"users": [row.to_json() for row in user_admin.list_users(session)]}


@api.patch("/users/{name}", response_model=UserOut)
def change_user(body: UserChange, session: DbSession, identity: Admin,
                name: str = UserName) -> dict:
    """Disable or enable a user, or change their role; taking a right away ends their
    sessions and tokens. The last active admin stays (409)."""
    try:
        if body.role is not None:
            user_admin.change_role(session, name, body.role)
        if body.active is False:
            user_admin.disable(session, name)
        elif body.active is True:
            user_admin.enable(session, name)
    except accounts.AccountError as error:
        session.rollback()
        raise _account_errors(error) from None
    session.commit()
    return _row(session, name)


@api.put("/users/{name}/password", status_code=204, response_class=Response)
def change_password(body: PasswordChange, session: DbSession, identity: Admin,
                    name: str = UserName) -> Response:
    """Set a user's password; all their sessions and tokens end."""
    try:
        user_admin.change_password(session, name, body.password)
    except accounts.AccountError as error:
        session.rollback()
        raise _account_errors(error) from None
    session.commit()
    return Response(status_code=204)


@api.delete("/users/{name}", status_code=204, response_class=Response)
def remove_user(session: DbSession, identity: Admin, name: str = UserName) -> Response:
    """Remove a user with their tokens and sessions (the last active admin stays: 409)."""
    if name == identity.name:
        raise HTTPException(409, "you cannot remove yourself")
    try:
        user_admin.remove(session, name)
    except accounts.AccountError as error:
        session.rollback()
        raise _account_errors(error) from None
    session.commit()
    return Response(status_code=204)


@api.get("/audit", response_model=AuditList)
def account_audit(session: DbSession, identity: Admin,
                  limit: int = Query(100, ge=1, le=1000)) -> dict:
    """The latest account changes (users and tokens), newest first, with who made them."""
    return {"events": [AuditEventOut.model_validate(event, from_attributes=True)
                       for event in user_admin.account_events(session, limit)]}


@api.get("/tokens", response_model=TokenList)
def list_tokens(session: DbSession, identity: AnyUser,
                user: str | None = Query(None, max_length=200,
                                         description="whose tokens (admins only)")) -> dict:
    """Your tokens; an admin may list anyone's, or all."""
    if identity.role != Role.admin:
        if user not in (None, identity.name):
            raise HTTPException(403, "only admins see other users' tokens")
        user = identity.name
    try:
        tokens = user_admin.list_tokens(session, user)
    except accounts.AccountError as error:
        raise _account_errors(error) from None
    return {"tokens": [user_admin.token_json(t) for t in tokens]}


@api.post("/tokens", status_code=201, response_model=NewTokenOut)
def mint_token(session: DbSession, identity: AnyUser, body: TokenRequest | None = None) -> dict:
    """A new API token for yourself (never for anyone else); the secret is in this answer only."""
    user = session.get(User, identity.user_id)
    created = accounts.create_token(session, user, (body or TokenRequest()).label)
    audit.record(session, "token_created", {"token_id": created.token.id, "user": user.name})
    session.commit()
    return {**user_admin.token_json(created.token), "token": created.secret}


@api.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(session: DbSession, identity: AnyUser, token_id: int = TokenId) -> Response:
    """Revoke a token: your own, or anyone's for an admin."""
    owner = None if identity.role == Role.admin else identity.user_id
    try:
        user_admin.revoke(session, token_id, owner)
    except accounts.AccountError as error:
        raise _account_errors(error) from None
    session.commit()
    return Response(status_code=204)


# --- the Users page -------------------------------------------------------------------


def show_users(request: Request, session: Session, identity: Identity,
               message: str = "", new_secret: str = "", status: int = 200) -> Response:
    """The Users page with a notice (and a new token's secret, shown this once)."""
    users = list(session.scalars(select(User).order_by(User.name)))
    tokens = list(session.scalars(select(ApiToken).order_by(ApiToken.id.desc())))
    by_user: dict[int, list[ApiToken]] = {}
    for token in tokens:
        by_user.setdefault(token.user_id, []).append(token)
    return render(request, "users.html", {
        "identity": identity, "users": users, "tokens": by_user, "roles": list(Role),
        "message": message, "new_secret": new_secret,
        "events": user_admin.account_events(session, 50)}, status=status)


@pages.get("/admin/users", response_class=HTMLResponse)
def users_page(request: Request, session: DbSession, identity: Admin) -> Response:
    """Users and their API tokens."""
    return show_users(request, session, identity)


@pages.post("/admin/users", response_class=HTMLResponse)
async def add_user(request: Request, session: DbSession, identity: Admin) -> Response:
    """Create a user with a password; they mint their own tokens once signed in (a token
    minted here would let the admin act as them)."""
    form = await request.form()
    password = str(form.get("password", "")) or None
    try:
        user = accounts.create_user(session, str(form.get("name", "")),
                                    str(form.get("role", "")), password)
        audit.record(session, "user_created", {"user": user.name, "role": user.role})
    except accounts.AccountError as error:
        session.rollback()
        return show_users(request, session, identity, error.reason, status=422)
    session.commit()
    hint = "" if password else " They have no password yet: set one with Reset password."
    return show_users(request, session, identity, f"User {user.name} created.{hint}")


@pages.post("/admin/users/{user_id}/tokens", response_class=HTMLResponse)
async def add_token(request: Request, user_id: int, session: DbSession,
                    identity: Admin) -> Response:
    """A new API token for yourself, shown once (never for another user)."""
    form = await request.form()
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(404, f"no user with id {user_id}")
    if user.id != identity.user_id:
        raise HTTPException(403, "tokens are minted only for yourself")
    created = accounts.create_token(session, user, str(form.get("label", ""))[:200])
    audit.record(session, "token_created", {"token_id": created.token.id, "user": user.name})
    session.commit()
    return show_users(request, session, identity, f"New token for {user.name}. Copy it now: "
                      "it is not shown again.", created.secret)


@pages.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token_form(request: Request, token_id: int, session: DbSession,
                      identity: Admin) -> Response:
    """Revoke an API token."""
    try:
        user_admin.revoke(session, token_id)
    except user_admin.UnknownUser as error:
        raise HTTPException(404, error.reason) from None
    session.commit()
    return show_users(request, session, identity, f"Token {token_id} revoked.")


async def _apply(request: Request, session, identity, user_id: int, change) -> Response:
    form = await request.form()
    user = session.get(User, user_id)
    if user is None:
        raise HTTPException(404, f"no user with id {user_id}")
    name = user.name
    try:
        message = change(session, name, form)
    except accounts.AccountError as error:
        session.rollback()
        status = 409 if isinstance(error, user_admin.LastAdmin) else 422
        return show_users(request, session, identity, error.reason, status=status)
    session.commit()
    return show_users(request, session, identity, message)


def _disable(session, name, _form) -> str:
    user_admin.disable(session, name)
    return f"User {name} disabled; their sessions and tokens ended."


def _enable(session, name, _form) -> str:
    user_admin.enable(session, name)
    return f"User {name} enabled."


def _role(session, name, form) -> str:
    role = str(form.get("role", ""))
    user_admin.change_role(session, name, role)
    return f"User {name} is now {role}; their sessions and tokens ended."


def _password(session, name, form) -> str:
    user_admin.change_password(session, name, str(form.get("password", ""))[:1000])
    return f"Password of {name} changed; their sessions and tokens ended."


def _remove(session, name, _form) -> str:
    user_admin.remove(session, name)
    return f"User {name} removed."


ACTIONS = {"disable": _disable, "enable": _enable, "role": _role, "password": _password,
           "remove": _remove}


# After add_token: /admin/users/{id}/tokens would match this route too.
@pages.post("/admin/users/{user_id}/{action}", response_class=HTMLResponse)
async def change_user_form(request: Request, user_id: int, action: str,
                           session: DbSession, identity: Admin) -> Response:
    """One account change from the users page."""
    change = ACTIONS.get(action)
    if change is None:
        raise HTTPException(404, f"no account action {action!r}")
    return await _apply(request, session, identity, user_id, change)
