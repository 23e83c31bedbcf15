"""``drafts approve|reject``: a reviewer's decision on a draft, from the command line."""

from __future__ import annotations

from typing import Optional

import typer

from cli.common import fail, load_settings, ready_database, work
from pipeline.db.models import Draft
from pipeline.db.session import session_scope
from pipeline.drafts import review
from pipeline.publish.enqueue import approve_and_publish
from pipeline.vocabulary import DraftStatus

app = typer.Typer()


def _decide(draft_id: int, by: str, comment: str, decision: DraftStatus,
            revision: Optional[int]) -> None:
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        draft = session.get(Draft, draft_id)
        if draft is None:
            raise fail(f"no draft with id {draft_id}")
        action = approve_and_publish if decision is DraftStatus.approved else review.reject
        action(session, draft, by, comment, revision=revision)
        decided = draft.revision
    typer.echo(f"draft {draft_id} revision {decided} {decision} by {by}")


@app.command("approve")
def approve_command(
    draft_id: int = typer.Argument(..., metavar="ID"),
    by: str = typer.Option(..., "--by", help="Who approves (recorded in the audit log)."),
    comment: str = typer.Option("", "--comment", help="Optional comment."),
    revision: Optional[int] = typer.Option(
        None, "--revision", min=1, help="The revision you reviewed; refused when the draft "
                                        "has moved on (default: the current revision)."),
) -> None:
    """Approve a draft; prints the revision approved (the one exports and publishing use)."""
    _decide(draft_id, by, comment, DraftStatus.approved, revision)


@app.command("reject")
def reject_command(
    draft_id: int = typer.Argument(..., metavar="ID"),
    by: str = typer.Option(..., "--by", help="Who rejects (recorded in the audit log)."),
    comment: str = typer.Option(..., "--comment", help="Why (required)."),
    revision: Optional[int] = typer.Option(
        None, "--revision", min=1, help="The revision you reviewed; refused when stale."),
) -> None:
    """Reject a draft, saying why."""
    _decide(draft_id, by, comment, DraftStatus.rejected, revision)
