"""The sites drafts are published to, for admins: the API and the Sites page.

Site secrets come in through forms and request bodies and never go out: no page, answer or
message contains them.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from pipeline.publish.errors import InvalidSite, PublishRefused, PublishUnavailable
from pipeline.publish.probe import test_site as probe
from pipeline.publish.sites import add_site, get_site, list_sites, remove_site, site_document
from pipeline.vocabulary import PostStatus, SiteKind
from web.auth import Identity
from web.deps import Admin, AppSettings, DbSession, render

api = APIRouter(prefix="/api", tags=["publishing"])
pages = APIRouter(include_in_schema=False)


class SiteIn(BaseModel):
    """A site to add: ``secret`` is the application password or the webhook's signing key."""

    name: str = Field(..., max_length=100)
    kind: SiteKind
    url: str = Field(..., max_length=2048)
    user: str = Field("", max_length=200)
    secret: str = Field(..., max_length=1000, repr=False)
    status: PostStatus = PostStatus.draft
    categories: list[str] = []
    auto: bool = False
    upload_images: bool = False
    tag_site_name: bool = False


@api.get("/sites")
def sites(session: DbSession, identity: Admin) -> list[dict]:
    """The sites, without their secrets."""
    return [site_document(site) for site in list_sites(session)]


@api.post("/sites", status_code=201)
def create_site(body: SiteIn, session: DbSession, identity: Admin) -> dict:
    """Add a site; the answer leaves the secret out."""
    try:
        site = add_site(session, body.name, body.kind, body.url, body.secret, body.user,
                        body.status, body.categories, body.auto, body.upload_images,
                        body.tag_site_name)
    except InvalidSite as error:
        raise HTTPException(422, error.reason) from None
    session.commit()
    return site_document(site)


@api.delete("/sites/{site_name}", status_code=204)
def delete_site(site_name: str, session: DbSession, identity: Admin) -> Response:
    """Forget a site (its posts stay where they are)."""
    try:
        remove_site(session, site_name)
    except InvalidSite as error:
        raise HTTPException(404, error.reason) from None
    session.commit()
    return Response(status_code=204)


@api.post("/sites/{site_name}/test")
def test_site(site_name: str, session: DbSession, identity: Admin,
              settings: AppSettings) -> dict:
    """Check the site's address, credentials and rights: ``ok`` and what was found or wrong."""
    try:
        site = get_site(session, site_name)
    except InvalidSite as error:
        raise HTTPException(404, error.reason) from None
    try:
        return {"ok": True, "findings": probe(site, settings)}
    except (PublishRefused, PublishUnavailable) as error:
        return {"ok": False, "findings": [error.reason]}


# --- pages -------------------------------------------------------------------------------


def _sites_page(request: Request, session: Session, identity: Identity, message: str = "",
                findings: list[str] | None = None, status: int = 200) -> Response:
    return render(request, "sites.html", {
        "identity": identity, "sites": [site_document(site) for site in list_sites(session)],
        "message": message, "findings": findings or []}, status=status)


@pages.get("/admin/sites", response_class=HTMLResponse)
def sites_page(request: Request, session: DbSession, identity: Admin) -> Response:
    """The publishing sites."""
    return _sites_page(request, session, identity)


@pages.post("/admin/sites", response_class=HTMLResponse)
async def add_site_form(request: Request, session: DbSession, identity: Admin) -> Response:
    """Add a site from the form."""
    form = await request.form()
    field = lambda name: str(form.get(name, "")).strip()  # noqa: E731
    try:
        site = add_site(session, field("name"), field("kind"), field("url"), field("secret"),
                        field("user"), field("status") or PostStatus.draft,
                        [c for c in field("categories").split(",") if c.strip()],
                        auto=bool(form.get("auto")), upload_images=bool(form.get("upload_images")),
                        tag_site_name=bool(form.get("tag_site_name")))
    except InvalidSite as error:
        session.rollback()
        return _sites_page(request, session, identity, error.reason, status=422)
    session.commit()
    return _sites_page(request, session, identity, f"Site {site.name} added.")


@pages.post("/admin/sites/{site_name}/remove", response_class=HTMLResponse)
def remove_site_form(request: Request, site_name: str, session: DbSession,
                     identity: Admin) -> Response:
    """Remove a site."""
    try:
        remove_site(session, site_name)
    except InvalidSite as error:
        raise HTTPException(404, error.reason) from None
    session.commit()
    return _sites_page(request, session, identity, f"Site {site_name} removed.")


@pages.post("/admin/sites/{site_name}/test", response_class=HTMLResponse)
def test_site_form(request: Request, site_name: str, session: DbSession,
                   identity: Admin, settings: AppSettings) -> Response:
    """Check a site and show what was found."""
    answer = test_site(site_name, session, identity, settings)
    verdict = f"Site {site_name}: " + ("ok." if answer["ok"] else "not usable.")
    return _sites_page(request, session, identity, verdict, answer["findings"])
