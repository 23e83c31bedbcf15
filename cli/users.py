"""``users add``: accounts for the web app and the API."""

from __future__ import annotations

import sys

import typer

from cli.common import fail, load_settings, ready_database, work
from pipeline.vocabulary import Role

app = typer.Typer(no_args_is_help=True)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="The user's sign-in name."),
    role: Role = typer.Option(..., "--role", help="admin, operator or reviewer."),
    password_stdin: bool = typer.Option(
        False, "--password-stdin", help="Read a password for web sign-in from stdin."),
) -> None:
    """Add a user; prints the new user's API token as the last line."""
    from pipeline.accounts.users import AccountError, create_token, create_user
    from pipeline.accounts.audit import record
    from pipeline.db.session import session_scope

    password = None
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
        if not password:
            raise fail("no password on stdin")
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
