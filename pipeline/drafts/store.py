"""Drafts: storing a translation as the one draft of its article and target language."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from typing import Any

from sqlalchemy import delete, func, insert, select, union, update
from sqlalchemy.orm import Session, defer, selectinload

from pipeline.db.models import Article, AuditEvent, Draft, Job, Revision, Segment, utcnow
from pipeline.db.session import insert_or_ignore
from pipeline.drafts.render import clean_block
from pipeline.drafts.sanitize import clean_html
from pipeline.vocabulary import DraftStatus, JobState


@dataclass
class DraftContent:
    """What the translate and compose stages produce for one draft."""

    title: str
    blocks: list[dict[str, Any]]
    html: str
    provider: str
    source_lang: str
    segments: list[dict[str, Any]]  # block_index, key, source, translation, provider, origin
    checks: list[dict[str, Any]]
    block_uses: list[dict[str, Any]] = field(default_factory=list)  # compose.BlockUse dicts


def save_draft(
    session: Session, article: Article, target_lang: str, content: DraftContent,
    actor: str = "system", job_id: int | None = None, note: str | None = None,
    detail: dict[str, Any] | None = None,
) -> tuple[Draft, bool]:
    """Create the draft of ``article`` in ``target_lang``, or add a revision to the existing one.

    ``note`` is the revision note (default "translated"/"re-translated"); ``detail`` goes
    into the audit event ("created" or "retranslated"). Returns the draft and whether it
    was created. The unique (article, target language)
    constraint makes this safe when two workers finish the same article at once.
    """
    now = utcnow()
    created = insert_or_ignore(
        session, Draft,
        {"article_id": article.id, "target_lang": target_lang, "title": "", "blocks": [],
         "html": "", "provider": "", "checks": [], "source_lang": content.source_lang,
         "status": DraftStatus.pending_review, "revision": 0, "source_hash": "",
         "created_at": now, "updated_at": now},
        ["article_id", "target_lang"],
    )
    draft_id = session.scalars(
        select(Draft.id).where(Draft.article_id == article.id, Draft.target_lang == target_lang)
    ).one()
    draft = lock_draft(session, draft_id)
    draft.title = content.title
    draft.blocks = content.blocks
    draft.html = content.html
    draft.provider = content.provider
    draft.source_lang = content.source_lang
    draft.checks = content.checks
    draft.block_uses = content.block_uses
    draft.revision += 1
    if not created and draft.status != DraftStatus.pending_review:
        # New content needs a new review.
        draft.status = DraftStatus.pending_review
    session.execute(delete(Segment).where(Segment.draft_id == draft.id))
    if content.segments:
        # Core rows, not ORM objects: adding dozens of Segments to the session walks the
        # relationship cascades of everything loaded, for each one.
        session.execute(insert(Segment.__table__),
                        # Every row names every column: executemany takes its columns from
                        # the first row, so a key missing from a later one would be an error.
                        [{"draft_id": draft.id, "fallback_reason": "", **segment}
                         for segment in content.segments])
    session.expire(draft, ["segments"])  # read again from the rows above when next used
    session.add(Revision(draft_id=draft.id, number=draft.revision, title=content.title,
                         blocks=content.blocks, html=content.html, author=actor,
                         note=note or ("translated" if created else "re-translated"),
                         meta=revision_meta(draft)))
    session.add(AuditEvent(draft_id=draft.id, job_id=job_id, actor=actor,
                           action="created" if created else "retranslated",
                           detail={"revision": draft.revision, "provider": content.provider,
                                   **(detail or {})}))
    return draft, created


def lock_draft(session: Session, draft_id: int) -> Draft | None:
    """The draft, read again under a row lock held until the caller's commit.

    Every change of a draft (edit, decision, re-translation) starts here, so it sees the
    state left by the last committed change, never a copy loaded earlier in this session
    (``populate_existing``). PostgreSQL locks the row (``FOR UPDATE``); SQLite has no row
    locks, so a write that changes nothing takes the database's write lock first and the
    read that follows cannot be overtaken.
    """
    if session.get_bind().dialect.name == "sqlite":
        table = Draft.__table__
        session.execute(update(table).where(table.c.id == draft_id)
                        .values(updated_at=table.c.updated_at))
    return session.scalars(
        select(Draft).where(Draft.id == draft_id).with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()


def revision_meta(draft: Draft) -> dict[str, Any]:
    """What an export shows besides a revision's title, blocks and HTML, as it is now.

    Stored with each revision, so an approved revision exports the same bytes after the
    article is fetched again or the draft's checks change.
    """
    article = draft.article
    return {"checks": list(draft.checks or []), "provider": draft.provider,
            "source_lang": draft.source_lang or article.source_lang,
            "source_url": article.canonical_url, "source_title": article.title,
            "author": article.author, "site_name": article.site_name,
            "published": article.published}


def draft_document(draft: Draft, approval: dict[str, str] | None = None) -> dict[str, Any]:
    """The JSON form of a draft (``drafts show --format json``, the API, the JSON export).

    ``approval`` (who approved and when) is added when given, as the export does.
    """
    article = draft.article
    document = {
        "id": draft.id,
        "status": draft.status,
        "source_url": article.canonical_url,
        "source_lang": draft.source_lang or article.source_lang,
        "target_lang": draft.target_lang,
        "title": draft.title,
        "source_title": article.title,
        "author": article.author,
        "site_name": article.site_name,
        "published": article.published or None,
        "provider": draft.provider,
        "revision": draft.revision,
        "approved_revision": draft.approved_revision,
        "created_at": draft.created_at.isoformat(),
        "updated_at": draft.updated_at.isoformat(),
        # Stored HTML is sanitized already; output is cleaned again so that no row written
        # by an older or buggy version can serve live markup.
        "html": clean_html(draft.html),
        "blocks": [clean_block(block) for block in draft.blocks or []],
        "checks": draft.checks,
        "block_uses": draft.block_uses or [],
        # Segments a provider of the chain handed on to the next one, and why.
        "fallbacks": [{"block": s.block_index, "key": s.key, "provider": s.provider,
                       "reason": s.fallback_reason}
                      for s in draft.segments if s.fallback_reason],
    }
    if approval is not None:
        document["approval"] = approval
    return document


def list_drafts(session: Session, status: str | None = None, limit: int | None = None) -> list[Draft]:
    """Drafts newest first, optionally filtered by status; all of them unless ``limit``."""
    query = select(Draft).order_by(Draft.id.desc())
    if status:
        query = query.where(Draft.status == status)
    if limit is not None:
        query = query.limit(limit)
    return list(session.scalars(query))


def counts(session: Session) -> dict[str, dict[str, int]]:
    """Jobs by state and drafts by status, every known state present (zero when none)."""
    jobs = {state: 0 for state in JobState}
    jobs.update(dict(session.execute(select(Job.state, func.count()).group_by(Job.state)).all()))
    drafts = {status: 0 for status in DraftStatus}
    drafts.update(dict(session.execute(
        select(Draft.status, func.count()).group_by(Draft.status)).all()))
    return {"jobs": jobs, "drafts": drafts}


@dataclass
class DraftFilters:
    """What the reviewer's queue can be narrowed by; None or "" means any."""

    status: str | None = None
    target_lang: str | None = None
    source: str | None = None  # the source site's name
    since: Any = None  # a date: drafts created on or after it
    until: Any = None  # a date: drafts created on or before it
    q: str | None = None  # words in the translated or the original title


def search_drafts(
    session: Session, filters: DraftFilters, page: int = 1, per_page: int = 25,
) -> tuple[list[Draft], int]:
    """One page of drafts, newest first, and how many match in all."""
    conditions = []
    if filters.status:
        conditions.append(Draft.status == filters.status)
    if filters.target_lang:
        conditions.append(Draft.target_lang == filters.target_lang.lower())
    if filters.since:
        conditions.append(Draft.created_at >= datetime.combine(filters.since, time.min,
                                                               tzinfo=timezone.utc))
    if filters.until:
        conditions.append(Draft.created_at <= datetime.combine(filters.until, time.max,
                                                               tzinfo=timezone.utc))
    needs_article = bool(filters.source)
    if filters.source:
        conditions.append(Article.site_name == filters.source)
    if filters.q and filters.q.strip():
        pattern = "%" + filters.q.strip().replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        # The union of two index-friendly lookups (trigram indexes on PostgreSQL): an OR
        # across the two tables would scan every draft.
        matching = union(
            select(Draft.id).where(Draft.title.ilike(pattern, escape="\\")),
            select(Draft.id).join(Article, Draft.article_id == Article.id)
            .where(Article.title.ilike(pattern, escape="\\")))
        conditions.append(Draft.id.in_(select(matching.subquery().c.id)))
    count = select(func.count()).select_from(Draft)
    if needs_article:
        count = count.join(Article, Draft.article_id == Article.id)
    total = session.scalar(count.where(*conditions)) or 0
    # The page's ids first: that walks an index only (ix_drafts_status_id or the primary
    # key), so a deep page does not fetch every skipped row from the table.
    ids = select(Draft.id)
    if needs_article:
        ids = ids.join(Article, Draft.article_id == Article.id)
    ids = (ids.where(*conditions).order_by(Draft.id.desc())
           .offset((page - 1) * per_page).limit(per_page))
    # A list shows metadata: the composed HTML and the block JSON stay in the database.
    query = (select(Draft)
             .options(defer(Draft.html), defer(Draft.blocks),
                      selectinload(Draft.article).defer(Article.structure))
             .where(Draft.id.in_(ids.scalar_subquery())).order_by(Draft.id.desc()))
    return list(session.scalars(query)), total


def source_sites(session: Session) -> list[str]:
    """The names of the sites drafts come from, for the queue's filter."""
    return [name for name in session.scalars(
        select(Article.site_name).where(Article.site_name != "").distinct()
        .order_by(Article.site_name).limit(500))]
