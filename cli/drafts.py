"""``drafts list|show``: the drafts as a list, and one draft as HTML, Markdown or JSON."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Optional

import typer

from cli.common import database_label, fail, load_settings, ready_database, work
from cli.output import check_format, show
from pipeline.db.models import Draft
from pipeline.db.session import session_scope
from pipeline.drafts.render import render_markdown
from pipeline.drafts.store import draft_document, list_drafts
from pipeline.publish.records import publication_documents
from pipeline.vocabulary import DraftStatus, ExportFormat

app = typer.Typer()

LISTED_WITHOUT = ("html", "blocks")  # a list shows drafts, not their bodies


@app.command("list")
def list_command(
    status: Optional[DraftStatus] = typer.Option(None, "--status", help="pending_review, approved or rejected."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="At most N drafts (default: all)."),
    format: str = typer.Option("text", "--format", help="text or json."),
) -> None:
    """Drafts, newest first."""
    check_format(format)
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        documents = [{key: value for key, value in draft_document(draft).items()
                      if key not in LISTED_WITHOUT}
                     for draft in list_drafts(session, status, limit)]
    which = f" with status {status}" if status else ""
    show(format, documents, _draft_lines(documents, f"no drafts{which} in "
                                                    f"{database_label(database_url)}"))


def _draft_lines(documents: list[dict], empty: str) -> Iterator[str]:
    if not documents:
        # On stderr: stdout stays a clean list for scripts, a person still sees why it is empty.
        print(empty, file=sys.stderr)
    for d in documents:
        yield (f"{d['id']:>6}  {d['status']:<14}  {d['source_lang'] or '?'}->{d['target_lang']}"
               f"  {d['title'][:60]}  {d['source_url']}")


@app.command("show")
def show_command(
    draft_id: int = typer.Argument(..., metavar="ID"),
    format: ExportFormat = typer.Option(ExportFormat.html, "--format", help="html, md or json."),
) -> None:
    """One draft: the composed HTML, Markdown, or the JSON document."""
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        draft = session.get(Draft, draft_id)
        if draft is None:
            raise fail(f"no draft with id {draft_id}")
        document = draft_document(draft)
        document["publications"] = publication_documents(session, draft_id)
    body = (render_markdown(document["title"], document["html"]) if format == "md"
            else document["html"])
    show(format, document, [body], indent=2)
