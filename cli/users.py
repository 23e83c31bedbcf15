"""``users add|list|disable|enable|role|passwd|remove``: accounts for the web app and the API.

``users add`` bootstraps the first admin; the others are offboarding and upkeep. Each command
is one unit of work; every change is in the audit log with credential "cli".
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator

import typer

from cli.common import fail, load_settings, ready_database, work
from cli.output import check_format, show
from pipeline.accounts import admin
from pipeline.accounts.audit import record
from pipeline.accounts.users import AccountError, create_token, create_user
from pipeline.db.session import session_scope
from pipeline.vocabulary import Role

app = typer.Typer()


@app.command("add")
def add(
    name: str = typer.Argument(..., help="The user's sign-in name."),
    role: Role = typer.Option(..., "--role", help="admin, operator or reviewer."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read a password for web sign-in from stdin."),
) -> None:
    """Add a user; prints the new user's API token as the last line."""
    password = None
    if password_stdin:
        password = _read_password()
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        try:
            user = create_user(session, name, role, password)
            secret = create_token(session, user, "created by transdraft users add").secret
            record(session, "user_created", {"user": user.name, "role": role})
        except AccountError as error:
            raise fail(error.reason) from None
    typer.echo(f"user {user.name} ({role}) created; API token:")
    typer.echo(secret)


def _read_password() -> str:
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise fail("no password on stdin")
    return password


def _change(action: Callable[..., object], *args: object) -> None:
    """Run one account change in a unit of work; its refusal is ``error:`` and exit 1."""
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        action(session, *args)


@app.command("list")
def list_users(fmt: str = typer.Option("text", "--format", help="text or json.")) -> None:
    """Every user: role, active or not, live tokens and sessions."""
    check_format(fmt)
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        rows = admin.list_users(session)
    show(fmt, {"users": [row.to_json() for row in rows]}, _user_lines(rows))


def _user_lines(rows: list[admin.UserRow]) -> Iterator[str]:
    for row in rows:
        state = "active" if row.active else "disabled"
        yield f"{row.name}\t{row.role}\t{state}\ttokens={row.tokens}\tsessions={row.sessions}"


@app.command("disable")
def disable(name: str = typer.Argument(..., help="The user's name.")) -> None:
    """Disable a user: their sessions and tokens end now."""
    _change(admin.disable, name)
    typer.echo(f"user {name} disabled; their sessions and tokens ended")


@app.command("enable")
def enable(name: str = typer.Argument(..., help="The user's name.")) -> None:
    """Let a disabled user sign in again (tokens revoked before stay revoked)."""
    _change(admin.enable, name)
    typer.echo(f"user {name} enabled")


@app.command("role")
def role(name: str = typer.Argument(..., help="The user's name."),
         new_role: Role = typer.Argument(..., metavar="ROLE",
                                        help="admin, operator or reviewer.")) -> None:
    """Change a user's role: their sessions and tokens end (they carried the old role)."""
    _change(admin.change_role, name, new_role)
    typer.echo(f"user {name} is now {new_role}; their sessions and tokens ended")


@app.command("passwd")
def passwd(name: str = typer.Argument(..., help="The user's name."),
           password_stdin: bool = typer.Option(
               False, "--password-stdin", help="Read the new password from stdin.")) -> None:
    """Set a new password: every session and token of the user ends."""
    if not password_stdin:
        raise typer.BadParameter("the password is read from stdin only",
                                 param_hint="--password-stdin")
    _change(admin.change_password, name, _read_password())
    typer.echo(f"password of {name} changed; their sessions and tokens ended")


@app.command("remove")
def remove(name: str = typer.Argument(..., help="The user's name.")) -> None:
    """Remove a user with their tokens and sessions (their audit trail stays)."""
    _change(admin.remove, name)
    typer.echo(f"user {name} removed")
