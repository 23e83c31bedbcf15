"""``drafts list|show`` (and the review decisions)."""

from __future__ import annotations

import json
import sys
from typing import Optional

import typer

from cli.common import database_label, fail, load_settings, ready_database, work
from pipeline.vocabulary import DraftStatus, ExportFormat

app = typer.Typer(no_args_is_help=True)


@app.command("list")
def list_command(
    status: Optional[DraftStatus] = typer.Option(None, "--status", help="pending_review, approved or rejected."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="At most N drafts (default: all)."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Drafts, newest first."""
    from pipeline.db.session import session_scope
    from pipeline.drafts.store import draft_document, list_drafts

    if format not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--format")
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        documents = [draft_document(d) for d in list_drafts(session, status, limit)]
    if format == "json":
        for document in documents:
            document.pop("html")
            document.pop("blocks")
        typer.echo(json.dumps(documents, ensure_ascii=False))
        return
    if not documents:
        # On stderr: stdout stays a clean list for scripts, a person still sees why it is empty.
        which = f" with status {status}" if status else ""
        print(f"no drafts{which} in {database_label(database_url)}", file=sys.stderr)
    for d in documents:
        typer.echo(f"{d['id']:>6}  {d['status']:<14}  {d['source_lang'] or '?'}->{d['target_lang']}"
                   f"  {d['title'][:60]}  {d['source_url']}")


@app.command("show")
def show_command(
    draft_id: int = typer.Argument(..., metavar="ID"),
    format: ExportFormat = typer.Option(ExportFormat.html, "--format", help="html, md or json."),
) -> None:
    """One draft: the composed HTML, Markdown, or the JSON document."""
    from pipeline.db.session import session_scope
    from pipeline.drafts.store import draft_document
    from pipeline.db.models import Draft
    from pipeline.publish.records import publication_documents
    from pipeline.drafts.render import render_markdown

    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        draft = session.get(Draft, draft_id)
        if draft is None:
            raise fail(f"no draft with id {draft_id}")
        document = draft_document(draft)
        document["publications"] = publication_documents(session, draft_id)
    if format == "json":
        typer.echo(json.dumps(document, ensure_ascii=False, indent=2))
    elif format == "md":
        typer.echo(render_markdown(document["title"], document["html"]))
    else:
        typer.echo(document["html"])


def _decide(draft_id: int, by: str, comment: str, decision: DraftStatus,
            revision: Optional[int]) -> None:
    from pipeline.drafts import review
    from pipeline.db.session import session_scope
    from pipeline.db.models import Draft
    from pipeline.publish.enqueue import approve_and_publish

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
