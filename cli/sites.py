"""``sites add|list|remove``: where approved drafts are published (cli/publish.py talks
to the sites)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import List, Optional

import typer

from cli.common import fail, load_settings, ready_database, work
from cli.output import check_format, show
from pipeline.db.session import session_scope
from pipeline.publish.sites import add_site, list_sites, remove_site, site_document
from pipeline.vocabulary import PostStatus, SiteKind

app = typer.Typer()


def _read_secret(what: str) -> str:
    secret = sys.stdin.readline().strip()
    if not secret:
        raise fail(f"no {what} on stdin")
    return secret


@app.command("add")
def add(
    name: str = typer.Argument(..., help="A short name for the site."),
    wordpress: Optional[str] = typer.Option(None, "--wordpress", help="The WordPress site's URL."),
    webhook: Optional[str] = typer.Option(None, "--webhook", help="A webhook URL to POST drafts to."),
    user: str = typer.Option("", "--user", help="WordPress user of the application password."),
    app_password_stdin: bool = typer.Option(False, "--app-password-stdin",
                                            help="Read the WordPress application password from stdin."),
    secret_stdin: bool = typer.Option(False, "--secret-stdin",
                                      help="Read the webhook's signing secret from stdin."),
    status: PostStatus = typer.Option(PostStatus.draft, "--status", help="draft, pending or publish (WordPress)."),
    category: List[str] = typer.Option([], "--category", help="A category for every post (repeatable)."),
    auto: bool = typer.Option(False, "--auto", help="Publish every draft as it is approved."),
    upload_images: bool = typer.Option(False, "--upload-images",
                                       help="Upload inline images to the media library too."),
    tag_site_name: bool = typer.Option(False, "--tag-site-name",
                                       help="Tag each post with the source's site name."),
) -> None:
    """Add a WordPress site or a webhook."""
    if bool(wordpress) == bool(webhook):
        raise typer.BadParameter("give either --wordpress URL or --webhook URL")
    if wordpress and not app_password_stdin:
        raise typer.BadParameter("a WordPress site needs --app-password-stdin",
                                 param_hint="--app-password-stdin")
    if webhook and not secret_stdin:
        raise typer.BadParameter("a webhook needs --secret-stdin", param_hint="--secret-stdin")
    secret = _read_secret("application password" if wordpress else "secret")
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        site = add_site(session, name, SiteKind.wordpress if wordpress else SiteKind.webhook,
                        wordpress or webhook or "", secret, username=user, post_status=status,
                        categories=category, auto=auto, upload_images=upload_images,
                        tag_site_name=tag_site_name)
        kind, url = site.kind, site.url
    typer.echo(f"site {name} added: {kind} {url}" + (" (publishes every approval)" if auto else ""))


@app.command("list")
def list_command(format: str = typer.Option("text", "--format", help="text or json.")) -> None:
    """The sites, without their secrets."""
    check_format(format)
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        documents = [site_document(site) for site in list_sites(session)]
    show(format, documents, _site_lines(documents))


def _site_lines(documents: list[dict]) -> Iterator[str]:
    for d in documents:
        extra = [d["status"]] if d["kind"] == SiteKind.wordpress else []
        extra += [f"categories: {', '.join(d['categories'])}"] if d["categories"] else []
        extra += ["auto"] if d["auto"] else []
        yield (f"{d['name']:<16} {d['kind']:<9} {d['url']}  {d['user']}  {'  '.join(extra)}"
               .rstrip())


@app.command("remove")
def remove_command(name: str = typer.Argument(...)) -> None:
    """Forget a site (posts already published stay on it)."""
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        remove_site(session, name)
    typer.echo(f"site {name} removed")
