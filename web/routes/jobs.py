"""Jobs, for operators: the JSON API (enqueue, list, show, retry) and the Jobs page.

The page's enqueue form is post/redirect/get (:mod:`web.enqueue_report` carries the report
across the redirect).
"""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from pipeline.db.models import Job
from pipeline.errors import PipelineError
from pipeline.jobs import intake, lifecycle
from pipeline.vocabulary import JobState
from web.auth import Identity
from web.deps import (
    AppSettings,
    DbSession,
    Dispatch,
    Operator,
    PageNumber,
    PerPage,
    page_count,
    page_of,
    render,
)
from web.enqueue_report import chosen_language, jobs_active, report_from_query, report_location
from web.schemas import LANG_PATTERN, EnqueueRequest, EnqueueResponse, InvalidUrl, JobOut, Page

api = APIRouter(prefix="/api")
pages = APIRouter(include_in_schema=False)

PER_PAGE = 25  # jobs on a page of the Jobs page


def get_job(session: Session, job_id: int) -> Job:
    """The job, or 404."""
    job = session.get(Job, job_id)
    if job is None:
        raise HTTPException(404, f"no job with id {job_id}")
    return job


@api.post("/jobs", status_code=202, response_model=EnqueueResponse)
def enqueue_jobs(body: EnqueueRequest, session: DbSession, identity: Operator,
                 settings: AppSettings, dispatch: Dispatch) -> dict:
    """Queue a job per URL; duplicates point at the active job, invalid URLs say why."""
    report = intake.enqueue(session, body.urls, body.target_lang or settings.target_lang,
                            body.provider)
    new_ids = [job.id for job in report.new]
    session.commit()
    dispatch(new_ids)
    return {"jobs": [lifecycle.job_document(job) for job in report.new + report.duplicate],
            "new": [lifecycle.job_document(job) for job in report.new],
            "duplicate": [lifecycle.job_document(job) for job in report.duplicate],
            "invalid": [InvalidUrl(url=url, reason=reason) for url, reason in report.invalid]}


@api.get("/jobs", response_model=Page[JobOut])
def list_jobs(session: DbSession, identity: Operator, state: JobState | None = None,
              page: int = PageNumber, per_page: int = PerPage) -> dict:
    """Jobs newest first, optionally in one state."""
    jobs, total = lifecycle.list_jobs(session, state, page, per_page)
    return page_of([lifecycle.job_document(job) for job in jobs], total, page, per_page)


@api.get("/jobs/{job_id}", response_model=JobOut)
def show_job(job_id: int, session: DbSession, identity: Operator) -> dict:
    """One job: state, stage, attempts and the failure reason."""
    return lifecycle.job_document(get_job(session, job_id))


@api.post("/jobs/{job_id}/retry", response_model=JobOut)
def retry_job(job_id: int, session: DbSession, identity: Operator, dispatch: Dispatch) -> dict:
    """Queue a failed job again (409 when it is not failed)."""
    get_job(session, job_id)
    try:
        job = lifecycle.retry(session, job_id)
    except PipelineError as error:
        raise HTTPException(409, error.reason) from None
    session.commit()
    dispatch([job.id])
    return lifecycle.job_document(job)


# --- pages -------------------------------------------------------------------------------


@pages.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, session: DbSession, identity: Operator, state: str = "",
              page: int = Query(1, ge=1, le=1_000_000)) -> Response:
    """Jobs with their state, stage, attempts and failure reason; the enqueue form."""
    return _jobs(request, session, identity, state, page,
                 report=report_from_query(session, request.query_params))


def _jobs(request: Request, session: Session, identity: Identity, state: str, page: int,
          report=None, message: str = "", status: int = 200) -> Response:
    if state and state not in list(JobState):
        raise HTTPException(422, f"unknown state {state}")
    jobs, total = lifecycle.list_jobs(session, state or None, page, PER_PAGE)
    return render(request, "jobs.html", {
        "identity": identity, "jobs": jobs, "total": total, "page": page,
        "pages": page_count(total, PER_PAGE), "state": state, "states": list(JobState),
        "report": report, "message": message or request.query_params.get("msg", ""),
        "target_lang": chosen_language(request, LANG_PATTERN),
        # While work is under way the page refreshes its list itself (web/static/app.js).
        "refresh": jobs_active(session)}, status=status)


@pages.post("/jobs", response_class=HTMLResponse)
async def enqueue(request: Request, session: DbSession, identity: Operator,
                  settings: AppSettings, dispatch: Dispatch) -> Response:
    """Enqueue the URLs of the form, one a line."""
    form = await request.form()
    lines = [line.strip() for line in str(form.get("urls", "")).splitlines() if line.strip()]
    target_lang = str(form.get("target_lang", "")).strip() or settings.target_lang
    if not lines:
        return _jobs(request, session, identity, "", 1, message="Give at least one URL.",
                     status=422)
    if len(lines) > 1000:
        return _jobs(request, session, identity, "", 1, message="At most 1000 URLs at once.",
                     status=422)
    if len(target_lang) > 16 or not re.match(LANG_PATTERN, target_lang):
        return _jobs(request, session, identity, "", 1,
                     message=f"Not a language code: {target_lang}", status=422)
    report = intake.enqueue(session, lines, target_lang)
    new_ids = [job.id for job in report.new]
    session.commit()
    dispatch(new_ids)
    # Post/redirect/get: a reload shows the report again instead of enqueueing twice.
    return RedirectResponse(report_location(report, target_lang), status_code=303)


@pages.post("/jobs/{job_id}/retry")
def retry(job_id: int, session: DbSession, identity: Operator, dispatch: Dispatch) -> Response:
    """Queue a failed job again."""
    get_job(session, job_id)
    try:
        lifecycle.retry(session, job_id)
    except PipelineError as error:
        session.rollback()
        return RedirectResponse(f"/jobs?msg={quote(error.reason)}", status_code=303)
    session.commit()
    dispatch([job_id])
    return RedirectResponse(f"/jobs?msg={quote(f'Job {job_id} queued again.')}",
                            status_code=303)
