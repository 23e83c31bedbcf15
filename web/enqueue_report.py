"""The Jobs page's enqueue report carried across a redirect, and what the page needs to refresh.

The enqueue form is post/redirect/get: the POST commits the jobs and answers 303 to
``/jobs?lang=..&new=..&dup=..``, so reloading the page cannot enqueue twice and the form keeps
the language just used. The report is rebuilt from the ids in that address.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlencode

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.datastructures import QueryParams
from starlette.requests import Request

from pipeline.db.models import Job
from pipeline.reasons import reason_line
from pipeline.vocabulary import ACTIVE_JOB_STATES

SHOWN = 50  # ids listed in the address (and on the page) per kind; the counts are exact


@dataclass
class EnqueueReport:
    """What the page shows after an enqueue: counts and the first jobs of each kind."""

    new: list[Job] = field(default_factory=list)
    duplicate: list[Job] = field(default_factory=list)
    invalid: list[tuple[str, str]] = field(default_factory=list)
    new_count: int = 0
    duplicate_count: int = 0
    invalid_count: int = 0


def report_location(report, target_lang: str) -> str:
    """The address to redirect to after enqueueing: the report's ids and the language."""
    query = {"lang": target_lang, "n": len(report.new), "d": len(report.duplicate),
             "i": len(report.invalid),
             "new": ",".join(str(job.id) for job in report.new[:SHOWN]),
             "dup": ",".join(str(job.id) for job in report.duplicate[:SHOWN])}
    if report.invalid:
        query["msg"] = reason_line("Invalid: " + "; ".join(
            f"{url} — {reason}" for url, reason in report.invalid[:5]), 600)
    return "/jobs?" + urlencode(query) + "#report"


def report_from_query(session: Session, params: QueryParams) -> EnqueueReport | None:
    """The report of the address made by :func:`report_location`, or None without one."""
    if "n" not in params:
        return None
    return EnqueueReport(new=_jobs(session, params.get("new", "")),
                         duplicate=_jobs(session, params.get("dup", "")),
                         new_count=_count(params.get("n")),
                         duplicate_count=_count(params.get("d")),
                         invalid_count=_count(params.get("i")))


def chosen_language(request: Request, pattern: str) -> str:
    """The language of the last enqueue (``?lang=``) when valid, else the configured default."""
    lang = request.query_params.get("lang", "")
    if lang and re.match(pattern, lang):
        return lang
    return request.app.state.settings.target_lang


def jobs_active(session: Session) -> bool:
    """Whether any job is queued or running: the Jobs page then refreshes itself."""
    return bool(session.scalar(select(func.count()).select_from(Job)
                               .where(Job.state.in_(ACTIVE_JOB_STATES))))


def _jobs(session: Session, ids: str) -> list[Job]:
    wanted = [int(part) for part in ids.split(",") if part.strip().isdigit()][:SHOWN]
    if not wanted:
        return []
    return list(session.scalars(select(Job).where(Job.id.in_(wanted)).order_by(Job.id)))


def _count(value: str | None) -> int:
    return int(value) if value and value.isdigit() else 0
