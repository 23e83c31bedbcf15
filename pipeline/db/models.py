"""Storage: SQLAlchemy 2 typed models, identical on SQLite and PostgreSQL.

The database is the source of truth; every table change comes with an Alembic migration in
``pipeline/db/migrations/versions``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from pipeline.db.types import UtcDateTime, enum_as_string
from pipeline.vocabulary import (
    ACTIVE_JOB_STATES,
    DraftStatus,
    JobState,
    PostStatus,
    Role,
    RunTrigger,
    SegmentOrigin,
    SiteKind,
    SourceKind,
    SourceRunState,
    Stage,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    # Every datetime column is aware UTC; every word of the vocabulary a plain VARCHAR of the
    # width its columns have always had.
    type_annotation_map = {
        dict[str, Any]: JSON,
        list[Any]: JSON,
        datetime: UtcDateTime(),
        JobState: enum_as_string(JobState, 16),
        Stage: enum_as_string(Stage, 16),
        DraftStatus: enum_as_string(DraftStatus, 20),
        SegmentOrigin: enum_as_string(SegmentOrigin, 20),
        SourceKind: enum_as_string(SourceKind, 16),
        SourceRunState: enum_as_string(SourceRunState, 16),
        RunTrigger: enum_as_string(RunTrigger, 16),
        SiteKind: enum_as_string(SiteKind, 16),
        PostStatus: enum_as_string(PostStatus, 16),
        Role: enum_as_string(Role, 20),
    }


class Article(Base):
    """A source article as extracted, one row per canonical URL."""

    __tablename__ = "articles"

    id: Mapped[int] = mapped_column(primary_key=True)
    canonical_url: Mapped[str] = mapped_column(String(2048), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[str] = mapped_column(String(40), default="")
    site_name: Mapped[str] = mapped_column(Text, default="")
    source_lang: Mapped[str] = mapped_column(String(16), default="")
    lead_image: Mapped[str] = mapped_column(Text, default="")
    # A rel=canonical the page claimed on another site: kept to show, never used as the key.
    claimed_canonical_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    # The ExtractedArticle as JSON: metadata and the ordered blocks.
    structure: Mapped[dict[str, Any]] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    drafts: Mapped[list[Draft]] = relationship(back_populates="article")


# The predicate of the one-active-job index, from the vocabulary: state IN ('queued', 'running').
ACTIVE_JOB = text("state IN (%s)" % ", ".join(f"'{state}'" for state in ACTIVE_JOB_STATES))


class Job(Base):
    """One request to turn a URL into a draft in a target language."""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_state_next_attempt", "state", "next_attempt_at"),
        # At most one queued or running job per article URL and language (see intake).
        Index("uq_jobs_active_url", "canonical_url", "target_lang", unique=True,
              postgresql_where=ACTIVE_JOB, sqlite_where=ACTIVE_JOB),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2048))  # as submitted
    canonical_url: Mapped[str] = mapped_column(String(2048), index=True)
    target_lang: Mapped[str] = mapped_column(String(16))
    source_lang: Mapped[str | None] = mapped_column(String(16), default=None)
    provider: Mapped[str | None] = mapped_column(String(200), default=None)
    state: Mapped[JobState] = mapped_column(default=JobState.queued)
    stage: Mapped[Stage] = mapped_column(default=Stage.fetch)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    max_attempts: Mapped[int] = mapped_column(Integer, default=5)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    article_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id"), default=None)
    draft_id: Mapped[int | None] = mapped_column(ForeignKey("drafts.id"), default=None)
    next_attempt_at: Mapped[datetime | None]
    lease_expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class Draft(Base):
    """The translated article: one per article and target language."""

    __tablename__ = "drafts"
    __table_args__ = (
        UniqueConstraint("article_id", "target_lang", name="uq_drafts_article_target"),
        Index("ix_drafts_status_id", "status", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id"))
    target_lang: Mapped[str] = mapped_column(String(16))
    source_lang: Mapped[str] = mapped_column(String(16), default="")
    title: Mapped[str] = mapped_column(Text, default="")  # translated title
    # Translated blocks, same shape and order as Article.structure["blocks"].
    blocks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    html: Mapped[str] = mapped_column(Text, default="")  # composed and sanitized
    provider: Mapped[str] = mapped_column(String(200), default="")
    checks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Per header/footer block slot, the template file used and whether the target language's
    # variant was missing (pipeline.drafts.compose.BlockUse.to_dict), for the reviewer.
    block_uses: Mapped[list[Any]] = mapped_column(JSON, default=list, server_default="[]")
    status: Mapped[DraftStatus] = mapped_column(default=DraftStatus.pending_review)
    revision: Mapped[int] = mapped_column(Integer, default=0)
    # The revision last approved; exports and publishing read that revision's snapshot.
    approved_revision: Mapped[int | None] = mapped_column(Integer, default=None)
    # The Article.content_hash this draft was translated from: equal means nothing to redo.
    source_hash: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    article: Mapped[Article] = relationship(back_populates="drafts")
    segments: Mapped[list[Segment]] = relationship(
        back_populates="draft", order_by="Segment.block_index, Segment.id",
        cascade="all, delete-orphan",
    )


class Segment(Base):
    """A translated piece of a block: the source and its translation, aligned."""

    __tablename__ = "segments"
    __table_args__ = (
        UniqueConstraint("draft_id", "block_index", "key", name="uq_segments_draft_block_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    block_index: Mapped[int] = mapped_column(Integer)  # -1 for the title
    key: Mapped[str] = mapped_column(String(40))  # "html", "items.3", "caption", ...
    source: Mapped[str] = mapped_column(Text)
    translation: Mapped[str] = mapped_column(Text)
    provider: Mapped[str] = mapped_column(String(40), default="")
    origin: Mapped[SegmentOrigin] = mapped_column(default=SegmentOrigin.machine)
    # Why providers earlier in the chain handed this segment on, e.g. "llm: placeholder <x2>
    # missing (also when sent alone)"; "" when the first provider's answer was used.
    fallback_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    draft: Mapped[Draft] = relationship(back_populates="segments")


class Revision(Base):
    """A snapshot of a draft's content, one per change (creation, edit, re-translation)."""

    __tablename__ = "revisions"
    __table_args__ = (UniqueConstraint("draft_id", "number", name="uq_revisions_draft_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(Text, default="")
    blocks: Mapped[list[Any]] = mapped_column(JSON, default=list)
    html: Mapped[str] = mapped_column(Text, default="")
    author: Mapped[str] = mapped_column(String(200), default="system")
    note: Mapped[str] = mapped_column(Text, default="")
    # What else an export of this revision shows (checks, source metadata, provider), so an
    # approved revision exports the same bytes whatever changes later (pipeline/drafts/approved.py).
    meta: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(Base):
    """Who did what to which draft or job, and when."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int | None] = mapped_column(
        ForeignKey("drafts.id", ondelete="CASCADE"), index=True
    )
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id", ondelete="SET NULL"))
    actor: Mapped[str] = mapped_column(String(200), default="system")
    # Who acted and with which credential ("session", "token:ID", "cli"; "" for the system),
    # filled in from pipeline.accounts.audit's acting context when the event is written.
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    credential: Mapped[str] = mapped_column(String(40), default="")
    action: Mapped[str] = mapped_column(String(40))  # created, edited, approved, ...
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckDismissal(Base):
    """A reviewer's judgement that one warning is harmless for one block text.

    ``text_hash`` covers the block's source and translation: once either changes the check
    may be raised again; until then it stays dismissed through edits of other blocks and
    re-translations.
    """

    __tablename__ = "check_dismissals"
    __table_args__ = (
        UniqueConstraint("draft_id", "block_index", "check_hash", "text_hash",
                         name="uq_check_dismissals_draft_block_check_text"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"))
    block_index: Mapped[int] = mapped_column(Integer)  # -1 for the title
    kind: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    check_hash: Mapped[str] = mapped_column(String(64))  # of kind and message
    text_hash: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- sources: feeds and sitemaps read on a schedule (pipeline/sources) ---------------------


class Source(Base):
    """A feed or sitemap whose articles are enqueued for translation on a schedule."""

    __tablename__ = "sources"
    __table_args__ = (
        UniqueConstraint("url", "target_lang", name="uq_sources_url_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    url: Mapped[str] = mapped_column(String(2048))  # canonical
    kind: Mapped[SourceKind]
    target_lang: Mapped[str] = mapped_column(String(16))
    # "nightly", "hourly" or a five-field cron expression, in UTC.
    schedule: Mapped[str] = mapped_column(String(100), default="nightly")
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SourceRun(Base):
    """One reading of a source: what it found and what it enqueued, or why it failed.

    ``(source_id, slot)`` is unique: the scheduler claims a slot by inserting its run, so a
    slot runs once however many schedulers fire. A manual run's slot is the moment it starts.
    """

    __tablename__ = "source_runs"
    __table_args__ = (
        UniqueConstraint("source_id", "slot", name="uq_source_runs_source_slot"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    slot: Mapped[datetime]
    trigger: Mapped[RunTrigger] = mapped_column(default=RunTrigger.schedule)
    state: Mapped[SourceRunState] = mapped_column(default=SourceRunState.running)
    found: Mapped[int] = mapped_column(Integer, default=0)  # distinct articles listed
    new: Mapped[int] = mapped_column(Integer, default=0)  # not seen before, enqueued
    changed: Mapped[int] = mapped_column(Integer, default=0)  # seen, content changed, re-enqueued
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # seen and unchanged
    failed: Mapped[int] = mapped_column(Integer, default=0)  # unusable entries or sub-sitemaps
    error: Mapped[str | None] = mapped_column(Text, default=None)  # why the run failed
    warning: Mapped[str | None] = mapped_column(Text, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    # Set when a scheduled run failed for a passing reason: the slot runs again from then.
    retry_at: Mapped[datetime | None] = mapped_column(default=None)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)

    # Job ids this run created; filled in by pipeline.sources.run_source, not stored.
    job_ids: tuple[int, ...] = ()


class SourceItem(Base):
    """An article a source has listed, with the fingerprint of its entry when last seen."""

    __tablename__ = "source_items"
    __table_args__ = (
        UniqueConstraint("source_id", "canonical_url", name="uq_source_items_source_url"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    canonical_url: Mapped[str] = mapped_column(String(2048))
    # A hash of the entry's updated date, lastmod, or title and summary: a change re-enqueues.
    fingerprint: Mapped[str] = mapped_column(String(64))
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), default=None)  # the last job it made
    first_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)


# --- Translation memory, provider budgets and cool-downs (trustworthy, affordable translation) ---


class TranslationMemory(Base):
    """A translated segment, reused instead of paying a provider again.

    ``key`` is a hash of everything that decides the translation: provider, provider settings
    fingerprint, glossary version, source and target language, and the normalized segment
    text with its placeholders (see ``pipeline.ledger.memory.segment_key``). Reviewer edits are
    stored with provider ``"human"`` and win over every machine entry.
    """

    __tablename__ = "translation_memory"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    provider: Mapped[str] = mapped_column(String(40))
    fingerprint: Mapped[str] = mapped_column(String(64), default="")
    glossary_version: Mapped[str] = mapped_column(String(64), default="")
    source_lang: Mapped[str] = mapped_column(String(16))
    target_lang: Mapped[str] = mapped_column(String(16))
    source_text: Mapped[str] = mapped_column(Text)  # placeholder form, HTML-escaped text
    translation: Mapped[str] = mapped_column(Text)  # same form, same placeholders
    origin: Mapped[SegmentOrigin] = mapped_column(default=SegmentOrigin.machine)  # or human
    author: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class ProviderUsage(Base):
    """Characters sent (or reserved for sending) to a provider on one UTC day."""

    __tablename__ = "provider_usage"
    __table_args__ = (UniqueConstraint("provider", "day", name="uq_provider_usage_provider_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(String(40))
    day: Mapped[str] = mapped_column(String(10))  # "2026-11-28", UTC
    chars: Mapped[int] = mapped_column(Integer, default=0)
    # Requests made, and the tokens their answers reported (language models); requests whose
    # answer reported no usage are counted in unmetered_requests, by their characters only.
    requests: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tokens_in: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tokens_out: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    unmetered_requests: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class ProviderCooldown(Base):
    """A provider paused after rate limiting or repeated failures; shared by all workers."""

    __tablename__ = "provider_cooldowns"

    provider: Mapped[str] = mapped_column(String(40), primary_key=True)
    until: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text, default="")


# --- Publishing: sites approved drafts go to, and what was published where (pipeline/publish) ---


class Site(Base):
    """A publishing target. ``secret`` (application password or HMAC key) is never shown."""

    __tablename__ = "sites"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[SiteKind]
    url: Mapped[str] = mapped_column(String(2048))
    username: Mapped[str] = mapped_column(String(200), default="")
    secret: Mapped[str] = mapped_column(Text, default="")
    post_status: Mapped[PostStatus] = mapped_column(default=PostStatus.draft)
    categories: Mapped[list[Any]] = mapped_column(JSON, default=list)
    tag_site_name: Mapped[bool] = mapped_column(Boolean, default=False)
    upload_images: Mapped[bool] = mapped_column(Boolean, default=False)
    auto: Mapped[bool] = mapped_column(Boolean, default=False)  # publish every approval
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Publication(Base):
    """A draft on a site: the remote post and the revision it shows, one row per draft and site.

    ``slug`` is fixed when the row is made, so a retry whose first answer was lost finds the
    post it created instead of making a second one.
    """

    __tablename__ = "publications"
    __table_args__ = (
        UniqueConstraint("draft_id", "site_id", name="uq_publications_draft_site"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    # The latest publish job (its state, attempts and reason are the job's).
    job_id: Mapped[int | None] = mapped_column(
        ForeignKey("jobs.id", ondelete="SET NULL"), default=None, index=True)
    slug: Mapped[str] = mapped_column(String(200))
    remote_id: Mapped[str | None] = mapped_column(String(100), default=None)
    url: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(20), default="")  # the remote post's status
    revision: Mapped[int | None] = mapped_column(Integer, default=None)  # revision published
    published_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    site: Mapped[Site] = relationship()


# --- Accounts (web app and CLI): users, API tokens, login sessions, login attempts ---------


class User(Base):
    """A person who signs in: an admin, an operator or a reviewer."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    role: Mapped[Role]
    # argon2 hash; "" means the user has no password and signs in with tokens only.
    password_hash: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, so a database leak leaks no token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()


class LoginSession(Base):
    """A browser sign-in: the cookie carries a random value, the row its SHA-256."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]

    user: Mapped[User] = relationship()


class LoginAttempt(Base):
    """One password login attempt, kept for rate limiting across processes."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_name_created", "user_name", "created_at"),
        Index("ix_login_attempts_address_created", "address", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(64))
    succeeded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# The reviewer queue filters drafts by source site and searches titles. Trigram (GIN) indexes
# on PostgreSQL serve ``ILIKE '%words%'``; on SQLite they are plain indexes.
Index("ix_articles_site_name", Article.site_name)
Index("ix_drafts_title_trgm", Draft.title, postgresql_using="gin",
      postgresql_ops={"title": "gin_trgm_ops"})
Index("ix_articles_title_trgm", Article.title, postgresql_using="gin",
      postgresql_ops={"title": "gin_trgm_ops"})


class LocalRunnerBeat(Base):
    """A running ``transdraft up`` (its in-process runners), seen by its last heartbeat.

    ``enqueue`` and the web app read it: while a runner of this database is alive they leave
    new jobs to it instead of sending messages to a broker that no worker may read.
    """

    __tablename__ = "local_runners"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    heartbeat_at: Mapped[datetime] = mapped_column(index=True)
