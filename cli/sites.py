"""``sites add|list|test|remove`` and ``publish``: where approved drafts go, and sending them."""

from __future__ import annotations

import json
import sys
from typing import List, Optional

import typer

from cli.common import fail, load_settings, ready_database, work
from pipeline.vocabulary import PostStatus, SiteKind

app = typer.Typer(no_args_is_help=True)


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
    from pipeline.db.session import session_scope
    from pipeline.publish.sites import add_site

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
    from pipeline.db.session import session_scope
    from pipeline.publish.sites import list_sites, site_document

    if format not in ("text", "json"):
        raise typer.BadParameter("choose text or json", param_hint="--format")
    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        documents = [site_document(site) for site in list_sites(session)]
    if format == "json":
        typer.echo(json.dumps(documents, ensure_ascii=False))
        return
    for d in documents:
        extra = [d["status"]] if d["kind"] == SiteKind.wordpress else []
        extra += [f"categories: {', '.join(d['categories'])}"] if d["categories"] else []
        extra += ["auto"] if d["auto"] else []
        typer.echo(f"{d['name']:<16} {d['kind']:<9} {d['url']}  {d['user']}  {'  '.join(extra)}"
                   .rstrip())


@app.command("test")
def test_command(name: str = typer.Argument(...)) -> None:
    """Check the site's address, credentials and rights; say what is wrong."""
    from pipeline.db.session import session_scope
    from pipeline.publish.probe import test_site
    from pipeline.publish.sites import get_site

    settings = load_settings()
    database_url = ready_database(settings)
    with work(), session_scope(database_url) as session:
        findings = test_site(get_site(session, name), settings)
    for line in findings:
        typer.echo(line)
    typer.echo(f"site {name}: ok")


@app.command("remove")
def remove_command(name: str = typer.Argument(...)) -> None:
    """Forget a site (posts already published stay on it)."""
    from pipeline.db.session import session_scope
    from pipeline.publish.sites import remove_site

    database_url = ready_database(load_settings())
    with work(), session_scope(database_url) as session:
        remove_site(session, name)
    typer.echo(f"site {name} removed")


def publish(
    draft_id: int = typer.Argument(..., metavar="DRAFT_ID"),
    site: Optional[str] = typer.Option(None, "--site", help="One site (default: every site)."),
) -> None:
    """Publish the approved revision; prints the published post's URL as the last line."""
    from pipeline.db.session import session_scope
    from pipeline.errors import PipelineError
    from pipeline.jobs.services import Services
    from pipeline.db.models import Draft
    from pipeline.publish.enqueue import request_publish
    from pipeline.publish.run import publish_now
    from pipeline.publish.sites import get_site, list_sites

    settings = load_settings()
    database_url = ready_database(settings)
    with work(), session_scope(database_url) as session:
        draft = session.get(Draft, draft_id)
        if draft is None:
            raise fail(f"no draft with id {draft_id}")
        sites = [get_site(session, site)] if site else list_sites(session)
        if not sites:
            raise fail("no site to publish to: add one with `transdraft sites add`")
        requests = request_publish(session, draft, sites, actor="cli",
                                   max_attempts=settings.max_attempts)
        jobs = [(request.site, request.job.id) for request in requests]
    services = Services(settings)
    failures = []
    for name, job_id in jobs:
        try:
            url = publish_now(database_url, job_id, services)
        except PipelineError as error:
            failures.append(f"{name}: {error.reason}" if len(jobs) > 1 else error.reason)
            continue
        if len(jobs) > 1:
            print(f"{name}: published", file=sys.stderr)
        typer.echo(url)
    if failures:
        raise fail("; ".join(failures))


def register(root: typer.Typer) -> None:
    """Add ``sites`` and ``publish`` to the root app."""
    root.add_typer(app, name="sites", help="Where approved drafts are published.")
    root.command("publish")(publish)
