"""``users list|disable|enable|role|passwd|remove`` and ``tokens list|revoke``.

Offboarding from the command line (``users add`` in cli/users.py bootstraps the first admin).
Each command is one unit of work; every change is in the audit log with credential "cli".
"""

from __future__ import annotations

import json
import sys

import typer

from cli.common import fail, load_settings, ready_database, work

tokens_app = typer.Typer(no_args_is_help=True)


def register(users_app: typer.Typer) -> None:
    """Add the upkeep commands to ``transdraft users``."""
    users_app.command("list")(list_users)
    users_app.command("disable")(disable)
    users_app.command("enable")(enable)
    users_app.command("role")(role)
    users_app.command("passwd")(passwd)
    users_app.command("remove")(remove)


def _change(action, *args) -> None:
    """Run one account change in a unit of work; its refusal is ``error:`` and exit 1."""
    from pipeline.db.session import session_scope

    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        action(session, *args)


def list_users(fmt: str = typer.Option("text", "--format", help="text or json.")) -> None:
    """Every user: role, active or not, live tokens and sessions."""
    from pipeline.db.session import session_scope
    from pipeline.accounts.admin import list_users as query

    if fmt not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--format")
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        rows = query(session)
    if fmt == "json":
        typer.echo(json.dumps({"users": [row.to_json() for row in rows]}))
        return
    for row in rows:
        state = "active" if row.active else "disabled"
        typer.echo(f"{row.name}\t{row.role}\t{state}\ttokens={row.tokens}\t"
                   f"sessions={row.sessions}")


def disable(name: str = typer.Argument(..., help="The user's name.")) -> None:
    """Disable a user: their sessions and tokens end now."""
    from pipeline.accounts.admin import disable as change

    _change(change, name)
    typer.echo(f"user {name} disabled; their sessions and tokens ended")


def enable(name: str = typer.Argument(..., help="The user's name.")) -> None:
    """Let a disabled user sign in again (tokens revoked before stay revoked)."""
    from pipeline.accounts.admin import enable as change

    _change(change, name)
    typer.echo(f"user {name} enabled")


def role(name: str = typer.Argument(..., help="The user's name."),
         new_role: str = typer.Argument(..., metavar="ROLE",
                                        help="admin, operator or reviewer.")) -> None:
    """Change a user's role: their sessions and tokens end (they carried the old role)."""
    from pipeline.accounts.users import ROLES
    from pipeline.accounts.admin import change_role

    if new_role not in ROLES:
        raise typer.BadParameter(f"choose one of {', '.join(ROLES)}", param_hint="ROLE")
    _change(change_role, name, new_role)
    typer.echo(f"user {name} is now {new_role}; their sessions and tokens ended")


def passwd(name: str = typer.Argument(..., help="The user's name."),
           password_stdin: bool = typer.Option(
               False, "--password-stdin", help="Read the new password from stdin.")) -> None:
    """Set a new password: every session and token of the user ends."""
    from pipeline.accounts.admin import change_password

    if not password_stdin:
        raise typer.BadParameter("the password is read from stdin only",
                                 param_hint="--password-stdin")
    password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise fail("no password on stdin")
    _change(change_password, name, password)
    typer.echo(f"password of {name} changed; their sessions and tokens ended")


def remove(name: str = typer.Argument(..., help="The user's name.")) -> None:
    """Remove a user with their tokens and sessions (their audit trail stays)."""
    from pipeline.accounts.admin import remove as change

    _change(change, name)
    typer.echo(f"user {name} removed")


@tokens_app.command("list")
def list_tokens(name: str | None = typer.Argument(None, help="Only this user's tokens."),
                fmt: str = typer.Option("text", "--format", help="text or json.")) -> None:
    """API tokens, newest first: id, user, label, created, revoked (never the secret)."""
    from pipeline.db.session import session_scope
    from pipeline.accounts.admin import list_tokens as query, token_json

    if fmt not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--format")
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        rows = [token_json(token) for token in query(session, name)]
    if fmt == "json":
        typer.echo(json.dumps({"tokens": rows}))
        return
    for row in rows:
        state = f"revoked {row['revoked_at'][:19]}" if row["revoked_at"] else "live"
        typer.echo(f"{row['id']}\t{row['user']}\t{row['label']}\t{row['created_at'][:19]}\t"
                   f"{state}")


@tokens_app.command("revoke")
def revoke(token_id: int = typer.Argument(..., min=1, max=2**31 - 1, metavar="ID",
                                          help="The token's id (see tokens list).")) -> None:
    """Revoke an API token now."""
    from pipeline.accounts.admin import revoke as change

    _change(change, token_id)
    typer.echo(f"token {token_id} revoked")
