"""Accounts over the API: admins list and offboard users; everyone manages their own tokens.

A token is only ever minted for the caller: an admin who could mint one for someone else
could act as them, and the audit log would name the wrong person.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, HTTPException, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from pipeline.accounts import users as accounts

from pipeline.accounts import audit

from pipeline.accounts import admin as user_admin
from pipeline.db.models import User
from web.deps import Admin, AnyUser, DbSession
from web.schemas import UtcDateTime

router = APIRouter(prefix="/api", tags=["accounts"])
UserName = Path(..., min_length=1, max_length=200)
TokenId = Path(..., ge=1, le=2**31 - 1)


class UserOut(BaseModel):
    id: int
    name: str
    role: str
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
    role: Literal["admin", "operator", "reviewer"] | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=8, max_length=1000)


class AuditEventOut(BaseModel):
    actor: str
    actor_id: int | None
    credential: str
    action: str
    detail: dict
    created_at: UtcDateTime


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


@router.get("/users", response_model=UserList)
def list_users(session: DbSession, identity: Admin) -> dict:
    """Every user: role, active or not, how many live tokens and sessions."""
    return {"users": [row.to_json() for row in user_admin.list_users(session)]}


@router.patch("/users/{name}", response_model=UserOut)
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


@router.put("/users/{name}/password", status_code=204, response_class=Response)
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


@router.delete("/users/{name}", status_code=204, response_class=Response)
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


@router.get("/audit", response_model=AuditList)
def account_audit(session: DbSession, identity: Admin,
                  limit: int = Query(100, ge=1, le=1000)) -> dict:
    """The latest account changes (users and tokens), newest first, with who made them."""
    return {"events": [AuditEventOut.model_validate(event, from_attributes=True)
                       for event in user_admin.account_events(session, limit)]}


@router.get("/tokens", response_model=TokenList)
def list_tokens(session: DbSession, identity: AnyUser,
                user: str | None = Query(None, max_length=200,
                                         description="whose tokens (admins only)")) -> dict:
    """Your tokens; an admin may list anyone's, or all."""
    if identity.role != "admin":
        if user not in (None, identity.name):
            raise HTTPException(403, "only admins see other users' tokens")
        user = identity.name
    try:
        tokens = user_admin.list_tokens(session, user)
    except accounts.AccountError as error:
        raise _account_errors(error) from None
    return {"tokens": [user_admin.token_json(t) for t in tokens]}


@router.post("/tokens", status_code=201, response_model=NewTokenOut)
def mint_token(session: DbSession, identity: AnyUser, body: TokenRequest | None = None) -> dict:
    """A new API token for yourself (never for anyone else); the secret is in this answer only."""
    user = session.get(User, identity.user_id)
    created = accounts.create_token(session, user, (body or TokenRequest()).label)
    audit.record(session, "token_created", {"token_id": created.token.id, "user": user.name})
    session.commit()
    return {**user_admin.token_json(created.token), "token": created.secret}


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response)
def revoke_token(session: DbSession, identity: AnyUser, token_id: int = TokenId) -> Response:
    """Revoke a token: your own, or anyone's for an admin."""
    owner = None if identity.role == "admin" else identity.user_id
    try:
        user_admin.revoke(session, token_id, owner)
    except accounts.AccountError as error:
        raise _account_errors(error) from None
    session.commit()
    return Response(status_code=204)
