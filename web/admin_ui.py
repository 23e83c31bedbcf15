"""The admin's account page actions: disable, enable, change role, reset password, remove.

The forms live on ``/admin/users`` (web/routes/review.py renders it); each change goes through
:mod:`pipeline.accounts.admin`, which ends the user's sessions and tokens where rights shrink.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response

from pipeline.accounts import users as accounts

from pipeline.accounts import admin as user_admin
from pipeline.db.models import User
from web.deps import Admin, DbSession
from web.routes.review import _users

router = APIRouter(include_in_schema=False)


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
        return _users(request, session, identity, error.reason, status=status)
    session.commit()
    return _users(request, session, identity, message)


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


@router.post("/admin/users/{user_id}/{action}", response_class=HTMLResponse)
async def change_user(request: Request, user_id: int, action: str, session: DbSession,
                      identity: Admin) -> Response:
    """One account change from the users page."""
    change = ACTIONS.get(action)
    if change is None:
        raise HTTPException(404, f"no account action {action!r}")
    return await _apply(request, session, identity, user_id, change)
