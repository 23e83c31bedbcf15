"""Typed request and response bodies of the HTTP API."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from pipeline.vocabulary import DraftStatus, JobState, Stage


def _in_utc(value: datetime) -> datetime:
    # The columns give aware UTC times (pipeline.db.types.ApiTime); a naive time here is
    # a bug, not something to guess a zone for.
    if value.tzinfo is None:
        raise ValueError("a time without a zone")
    return value.astimezone(timezone.utc)


# A moment as the API shows it: ISO 8601 in UTC, ending in "Z".
ApiTime = Annotated[datetime, AfterValidator(_in_utc)]
LANG_PATTERN = r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$"
T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, where we are, and how many there are in all."""

    items: list[T]
    page: int
    per_page: int
    total: int
    pages: int


class EnqueueRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    urls: list[str] = Field(min_length=1, max_length=10_000)
    target_lang: str | None = Field(default=None, pattern=LANG_PATTERN, max_length=16,
                                    description="default: TRANSDRAFT_TARGET_LANG")
    provider: str | None = Field(default=None, max_length=200)


class JobOut(BaseModel):
    """A job: the fields of :func:`pipeline.jobs.lifecycle.job_document`, as the CLI shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    url: str
    canonical_url: str
    target_lang: str
    source_lang: str | None
    provider: str | None
    state: JobState
    stage: Stage
    attempts: int
    max_attempts: int
    last_error: str | None
    article_id: int | None
    draft_id: int | None
    next_attempt_at: ApiTime | None
    created_at: ApiTime
    updated_at: ApiTime
    started_at: ApiTime | None
    finished_at: ApiTime | None


class InvalidUrl(BaseModel):
    url: str
    reason: str


class EnqueueResponse(BaseModel):
    """``jobs``: every accepted URL's job (new and duplicate); then the same split by outcome."""

    jobs: list[JobOut]
    new: list[JobOut]
    duplicate: list[JobOut]
    invalid: list[InvalidUrl]


class Check(BaseModel):
    kind: str
    block: int | None = None
    message: str


class DraftSummary(BaseModel):
    id: int
    status: DraftStatus
    title: str
    source_title: str
    source_url: str
    site_name: str
    source_lang: str
    target_lang: str
    provider: str
    revision: int
    warnings: int
    created_at: ApiTime
    updated_at: ApiTime


class DraftOut(BaseModel):
    """A draft: metadata, translated blocks, the composed HTML and the reviewer warnings."""

    id: int
    status: DraftStatus
    source_url: str
    source_lang: str
    target_lang: str
    title: str
    source_title: str
    author: str
    site_name: str
    published: str | None
    provider: str
    revision: int
    approved_revision: int | None = None
    created_at: ApiTime
    updated_at: ApiTime
    html: str
    blocks: list[dict[str, Any]]
    source_blocks: list[dict[str, Any]]
    checks: list[Check]
    publications: list[dict[str, Any]] = []  # where the draft was published (pipeline.publish)


class DraftPatch(BaseModel):
    """Edit one block (``block`` with ``html`` or ``segments``) or the title."""

    model_config = ConfigDict(extra="forbid")

    block: int | None = Field(default=None, ge=0)
    html: str | None = Field(default=None, description="the block's inline HTML (key 'html')")
    segments: dict[str, str] | None = Field(
        default=None, description="segment key -> text, e.g. {'items.0': ..., 'caption': ...}")
    title: str | None = None
    base_revision: int | None = Field(
        default=None, description="the revision edited; 409 when a later revision changed "
                                  "the same block (or the title)")
    revision: int | None = Field(default=None, description="the same as base_revision")

    @model_validator(mode="after")
    def _one_change(self) -> DraftPatch:
        if self.block is None and self.title is None:
            raise ValueError("give block (with html or segments) or title")
        if self.block is not None and self.html is None and not self.segments:
            raise ValueError("give html or segments for the block")
        if self.block is not None and self.title is not None:
            raise ValueError("edit a block or the title, not both at once")
        return self


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: str = Field(default="", max_length=10_000)
    revision: int | None = Field(
        default=None, ge=1, description="the revision decided on; 409 when the draft is at "
                                        "another one (default: the current revision)")


class RevisionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    number: int
    author: str
    note: str
    created_at: ApiTime


class AuditOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    actor: str
    action: str
    detail: dict[str, Any]
    created_at: ApiTime


class History(BaseModel):
    revisions: list[RevisionOut]
    audit: list[AuditOut]


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    database: str
