"""Running sources: claim a slot, read the source, enqueue what is new or changed, record it.

Exactly-once per slot comes from the database: a run is claimed by inserting its row, and
``(source_id, slot)`` is unique, so of two schedulers firing at once one inserts and the other
inserts nothing and moves on. Reading the feed happens outside any transaction; taking its
entries in is one transaction, so a run that dies half-way enqueues nothing and its slot is
taken again once its lease is over.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session

import pipeline.sources.schedule as schedules
from config.settings import Settings, get_settings
from pipeline.db.batches import batches
from pipeline.db.models import Source, SourceItem, SourceRun, utcnow
from pipeline.db.session import insert_or_ignore, session_scope
from pipeline.errors import InvalidURL, PipelineError
from pipeline.fetch import canonicalize, check_url
from pipeline.jobs.intake import enqueue
from pipeline.sources.entries import Listing
from pipeline.sources.listing import read_listing
from pipeline.vocabulary import RunTrigger, SourceRunState

log = logging.getLogger(__name__)

# A run still "running" this long after it started is taken to have died with its process.
RUN_LEASE = timedelta(minutes=30)
# A scheduled run that failed for a passing reason is tried again, later each time.
MAX_ATTEMPTS = 3
RETRY_DELAY = timedelta(minutes=15)
MAX_NOTE = 2000  # characters of warning or error kept on a run


def run_due_sources(database_url: str, now: datetime,
                    settings: Settings | None = None) -> list[int]:
    """Run every enabled source whose latest slot at or before ``now`` has not run yet.

    Safe to call from any number of schedulers at once: each slot runs once. A slot missed
    while nothing was running is run now, but only the latest one. One source failing does
    not stop the others. Returns the ids of the jobs created, to be dispatched to workers.
    """
    return [job_id for run in run_due(database_url, now, settings) for job_id in run.job_ids]


def run_due(database_url: str, now: datetime,
            settings: Settings | None = None) -> list[SourceRun]:
    """:func:`run_due_sources`, returning the runs this call made (not those it left)."""
    now = schedules.as_utc(now)
    settings = settings or get_settings()
    with session_scope(database_url) as session:
        candidates = session.execute(
            select(Source.id, Source.schedule, Source.created_at)
            .where(Source.enabled.is_(True)).order_by(Source.id)).all()
    runs: list[SourceRun] = []
    for source_id, schedule, created_at in candidates:
        slot = schedules.latest_slot(schedule, now)
        # A slot from before the source existed was not missed: wait for the next one.
        if slot < created_at.replace(second=0, microsecond=0):
            continue
        run = run_source(database_url, source_id, now, slot=slot, settings=settings)
        if run is not None:
            runs.append(run)
    return runs


def run_source(database_url: str, source: Source | int, now: datetime, *,
               slot: datetime | None = None, settings: Settings | None = None,
               baseline: bool = False) -> SourceRun | None:
    """Read one source now and enqueue its new and changed articles; the finished run.

    With ``slot`` it is the scheduled run of that slot, and None comes back when the slot is
    already taken (ran or running elsewhere). Without, it is a manual run. A source that
    cannot be fetched or read leaves a failed run with the reason; nothing raises. The
    returned run's ``job_ids`` are the jobs it created (commit is done; dispatch them).
    A ``baseline`` run remembers what is listed without enqueueing any of it, so that only
    articles listed later are translated (a sitemap's archive is no surprise bill).
    """
    settings = settings or get_settings()
    source_id = source if isinstance(source, int) else source.id
    trigger = (RunTrigger.baseline if baseline else RunTrigger.schedule if slot is not None
               else RunTrigger.manual)
    slot = schedules.as_utc(slot if slot is not None else now)
    with session_scope(database_url) as session:
        row = session.get(Source, source_id)
        if row is None:
            return None
        url, kind, target_lang, name = row.url, row.kind, row.target_lang, row.name
        run_id = _claim(session, source_id, slot, trigger)
    if run_id is None:
        return None
    log.info("source %s: run %s for slot %s", name, run_id, slot.isoformat())
    try:
        listing = read_listing(url, kind, settings)
        with session_scope(database_url) as session:
            run = session.get(SourceRun, run_id)
            job_ids = _take_in(session, run, listing, target_lang, source_id,
                               enqueue_articles=not baseline)
            _warn_if_empty(session, run)
            run.state = SourceRunState.done
            run.finished_at = utcnow()
        if run.warning:
            log.warning("source %s: %s", name, run.warning)
        run.job_ids = tuple(job_ids)
        return run
    except PipelineError as error:
        reason, transient = error.reason, error.transient
    except Exception as error:  # noqa: BLE001 - a bug in one source must not stop the others
        log.exception("source %s: run %s broke", name, run_id)
        reason, transient = f"internal error: {type(error).__name__}: {error}", False
    log.warning("source %s: run failed: %s", name, reason)
    return _record_run_failure(database_url, run_id, reason, transient)


def _claim(session: Session, source_id: int, slot: datetime,
           trigger: RunTrigger) -> int | None:
    """The id of the run now owning ``slot``, or None when another run has it.

    The insert decides, not a read: two schedulers inserting the same (source, slot) leave
    one row, and only one of them gets it. The slot is taken again, by a compare-and-set
    that only one scheduler wins, when its run was left "running" past its lease (its
    process died) or failed for a passing reason and its retry time has come.
    """
    now = utcnow()
    inserted = insert_or_ignore(
        session, SourceRun,
        {"source_id": source_id, "slot": slot, "trigger": trigger,
         "state": SourceRunState.running, "started_at": now},
        ["source_id", "slot"])
    run_id = session.scalar(select(SourceRun.id).where(SourceRun.source_id == source_id,
                                                       SourceRun.slot == slot))
    if inserted:
        return run_id
    died = and_(SourceRun.state == SourceRunState.running,
                SourceRun.started_at < now - RUN_LEASE)
    retry = and_(SourceRun.state == SourceRunState.failed,
                 SourceRun.retry_at.is_not(None), SourceRun.retry_at <= now)
    taken_over = session.execute(
        update(SourceRun)
        .where(SourceRun.id == run_id, or_(died, retry))
        .values(state=SourceRunState.running, attempts=SourceRun.attempts + 1,
                started_at=now, finished_at=None, retry_at=None, error=None, warning=None,
                found=0, new=0, changed=0, skipped=0, failed=0)
    ).rowcount
    return run_id if taken_over == 1 else None


def _take_in(session: Session, run: SourceRun, listing: Listing, target_lang: str,
             source_id: int, enqueue_articles: bool = True) -> list[int]:
    """Enqueue the listing's unseen and changed articles, remember every one; new job ids."""
    now = utcnow()
    known = dict(session.execute(
        select(SourceItem.canonical_url, SourceItem.fingerprint)
        .where(SourceItem.source_id == source_id)).all())
    job_ids: list[int] = []
    unchanged: list[str] = []
    seen: set[str] = set()
    counts = {"found": 0, "new": 0, "changed": 0, "skipped": 0, "failed": listing.failed}
    problems = list(listing.problems)
    for entry in listing.entries:
        try:
            url = check_url(entry.url)
            canonical = canonicalize(url)
        except InvalidURL as error:
            counts["failed"] += 1
            problems.append(f"entry {entry.url[:200]!r}: {error.reason}")
            continue
        if canonical in seen:  # listed twice, e.g. with different tracking parameters
            continue
        seen.add(canonical)
        counts["found"] += 1
        previous = known.get(canonical)
        if previous == entry.fingerprint:
            unchanged.append(canonical)
            counts["skipped"] += 1
            continue
        if previous is None:
            claimed = insert_or_ignore(
                session, SourceItem,
                {"source_id": source_id, "canonical_url": canonical,
                 "fingerprint": entry.fingerprint, "first_seen_at": now, "last_seen_at": now},
                ["source_id", "canonical_url"])
            outcome = "new"
        else:
            # Compare-and-set: of two runs seeing the same change, one re-enqueues it.
            claimed = session.execute(
                update(SourceItem)
                .where(SourceItem.source_id == source_id,
                       SourceItem.canonical_url == canonical,
                       SourceItem.fingerprint == previous)
                .values(fingerprint=entry.fingerprint, last_seen_at=now)).rowcount == 1
            outcome = "changed"
        if not claimed or not enqueue_articles:  # another run took it in a moment ago
            counts["skipped"] += 1
            continue
        report = enqueue(session, [url], target_lang)
        job = (report.new or report.duplicate or [None])[0]
        if report.new:
            job_ids.append(job.id)
        if job is not None:
            session.execute(update(SourceItem)
                            .where(SourceItem.source_id == source_id,
                                   SourceItem.canonical_url == canonical)
                            .values(job_id=job.id))
        counts[outcome] += 1
    for chunk in batches(unchanged):
        session.execute(update(SourceItem)
                        .where(SourceItem.source_id == source_id,
                               SourceItem.canonical_url.in_(chunk))
                        .values(last_seen_at=now))
    for key, value in counts.items():
        setattr(run, key, value)
    if problems:
        run.warning = _note("; ".join(problems[:20]) + (
            f"; and {len(problems) - 20} more" if len(problems) > 20 else ""))
    return job_ids


def _warn_if_empty(session: Session, run: SourceRun) -> None:
    """A source that found articles before and none now has probably changed or broken."""
    if run.found:
        return
    previous = session.scalar(
        select(SourceRun.found)
        .where(SourceRun.source_id == run.source_id, SourceRun.id != run.id,
               SourceRun.state == SourceRunState.done)
        .order_by(SourceRun.id.desc()).limit(1))
    if previous:
        note = f"found no articles, where the previous run found {previous}"
        run.warning = _note(f"{note}; {run.warning}" if run.warning else note)


def _record_run_failure(database_url: str, run_id: int, reason: str,
                        transient: bool) -> SourceRun | None:
    """Record the run as failed; a scheduled run failing for a passing reason (timeout, 5xx)
    gets a retry time, so a feed down at 02:00 is not skipped for a whole day."""
    with session_scope(database_url) as session:
        run = session.get(SourceRun, run_id)
        if run is None:  # the source was removed meanwhile
            return None
        run.state = SourceRunState.failed
        run.error = _note(reason)
        run.finished_at = utcnow()
        if transient and run.trigger == RunTrigger.schedule and run.attempts < MAX_ATTEMPTS:
            run.retry_at = run.finished_at + RETRY_DELAY * run.attempts
    return run


def _note(text: str) -> str:
    return text if len(text) <= MAX_NOTE else text[:MAX_NOTE - 1] + "…"
