"""``tokens list|revoke``: the API tokens, listed without their secrets, and revoked."""

from __future__ import annotations

from collections.abc import Iterator

import typer

from cli.common import load_settings, ready_database, work
from cli.output import check_format, show
from pipeline.accounts import admin
from pipeline.db.session import session_scope

app = typer.Typer()


@app.command("list")
def list_tokens(name: str | None = typer.Argument(None, help="Only this user's tokens."),
                fmt: str = typer.Option("text", "--format", help="text or json.")) -> None:
    """API tokens, newest first: id, user, label, created, revoked (never the secret)."""
    check_format(fmt)
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        rows = [admin.token_json(token) for token in admin.list_tokens(session, name)]
    show(fmt, {"tokens": rows}, _token_lines(rows))


def _token_lines(rows: list[dict]) -> Iterator[str]:
    for row in rows:
        state = f"revoked {row['revoked_at'][:19]}" if row["revoked_at"] else "live"
        yield (f"{row['id']}\t{row['user']}\t{row['label']}\t{row['created_at'][:19]}\t"
               f"{state}")


@app.command("revoke")
def revoke(token_id: int = typer.Argument(..., min=1, max=2**31 - 1, metavar="ID",
                                          help="The token's id (see tokens list).")) -> None:
    """Revoke an API token now."""
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        admin.revoke(session, token_id)
    typer.echo(f"token {token_id} revoked")
