"""Publishing a draft, for reviewers: the publish API and the draft page's Publish button.
The sites to publish to are :mod:`web.routes.sites`."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from config.settings import Settings
from pipeline.jobs.lifecycle import job_document
from pipeline.publish.enqueue import request_publish
from pipeline.publish.errors import InvalidSite, NotPublishable
from pipeline.publish.records import publication_documents
from pipeline.publish.sites import get_site, list_sites
from web.auth import Identity
from web.deps import AppSettings, DbSession, Dispatch, Reviewer, get_draft
from web.schemas import JobOut

api = APIRouter(prefix="/api", tags=["publishing"])
pages = APIRouter(include_in_schema=False)


class PublishBody(BaseModel):
    """Which site to publish to; none: every site."""

    site: str | None = Field(None, max_length=100)


class PublishAnswer(BaseModel):
    jobs: list[JobOut]
    publications: list[dict[str, Any]]


def publishing_context(session: Session, draft) -> dict[str, Any]:
    """What the draft page shows about publishing: the records and the sites to choose from."""
    return {"publications": publication_documents(session, draft.id),
            "sites": [site.name for site in list_sites(session)]}


def _request(session: Session, draft_id: int, site: str | None, identity: Identity,
             settings: Settings, dispatch) -> list:
    draft = get_draft(session, draft_id)
    try:
        sites = [get_site(session, site)] if site else list_sites(session)
    except InvalidSite as error:
        raise HTTPException(404, error.reason) from None
    if not sites:
        raise HTTPException(409, "no site to publish to: an admin adds one first")
    try:
        requests = request_publish(session, draft, sites, identity.name, settings.max_attempts)
    except NotPublishable as error:
        raise HTTPException(409, error.reason) from None
    session.commit()
    dispatch([r.job.id for r in requests if r.new])
    return requests


@api.post("/drafts/{draft_id}/publish", status_code=202, response_model=PublishAnswer,
          responses={409: {"description": "the draft is not approved"}})
def publish(draft_id: int, session: DbSession, identity: Reviewer, settings: AppSettings,
            dispatch: Dispatch, body: PublishBody | None = None) -> dict:
    """Queue the publish of the approved revision to one site (or every site)."""
    requests = _request(session, draft_id, (body or PublishBody()).site, identity, settings,
                        dispatch)
    return {"jobs": [job_document(r.job) for r in requests],
            "publications": publication_documents(session, draft_id)}


# --- pages -------------------------------------------------------------------------------


@pages.post("/drafts/{draft_id}/publish")
async def publish_button(request: Request, draft_id: int, session: DbSession,
                         identity: Reviewer, settings: AppSettings,
                         dispatch: Dispatch) -> Response:
    """The draft page's Publish button."""
    form = await request.form()
    site = str(form.get("site", "")) or None
    try:
        requests = _request(session, draft_id, site, identity, settings, dispatch)
    except HTTPException as error:
        return _back_to_draft(draft_id, f"Not published: {error.detail}")
    queued = ", ".join(f"{r.site} (job {r.job.id})" for r in requests)
    return _back_to_draft(draft_id, f"Publishing to {queued}.")


def _back_to_draft(draft_id: int, message: str) -> RedirectResponse:
    return RedirectResponse(f"/drafts/{draft_id}?msg={quote(message)}#publishing",
                            status_code=303)
