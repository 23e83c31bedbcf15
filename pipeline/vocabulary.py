"""The closed sets of words the product stores, shows and accepts, each spelled once.

Every value is the string kept in the database and printed by the CLI and the API (job
states, draft statuses, roles, ...), so a member compares equal to its string and prints as
it. The ORM types columns with these (``Mapped[JobState]``), FastAPI and Typer offer them as
choices; nothing else spells the words again. Below the ORM: imports nothing from pipeline.
"""

from __future__ import annotations

from enum import StrEnum


class JobState(StrEnum):
    """Where a job is: waiting, claimed by a worker, or ended (done or failed)."""

    queued = "queued"
    running = "running"
    done = "done"
    failed = "failed"


# A job in one of these may still change; the others are settled for good.
ACTIVE_JOB_STATES = (JobState.queued, JobState.running)
SETTLED_JOB_STATES = (JobState.done, JobState.failed)


class Stage(StrEnum):
    """The step a job runs next (each has its own worker queue), or finished."""

    fetch = "fetch"  # fetch and extract: produces the Article
    translate = "translate"  # produces the Draft's segments
    compose = "compose"  # produces the Draft's composed HTML
    publish = "publish"  # puts an approved draft on a site (pipeline/publish)
    finished = "finished"


class DraftStatus(StrEnum):
    """A draft's review decision; every change of its content reopens it."""

    pending_review = "pending_review"
    approved = "approved"
    rejected = "rejected"


class SegmentOrigin(StrEnum):
    """Where a segment's translation (or a translation-memory entry) came from."""

    machine = "machine"  # a provider's answer with the markup kept
    memory = "memory"  # a provider's earlier answer, from the translation memory
    human = "human"  # a reviewer's edit
    plain = "plain"  # the markup was lost: the plain text was translated instead
    same = "same"  # no call (nothing to translate), or every provider's answer was refused


class SourceKind(StrEnum):
    """What a registered source is read as."""

    feed = "feed"  # RSS or Atom
    sitemap = "sitemap"  # a sitemap, a sitemap index or a Google News sitemap


class SourceRunState(StrEnum):
    """Where one reading of a source is."""

    running = "running"
    done = "done"
    failed = "failed"


class RunTrigger(StrEnum):
    """Why a source was read."""

    schedule = "schedule"  # its schedule's slot came
    manual = "manual"  # ``sources run``
    baseline = "baseline"  # ``sources add --skip-existing``: remember, enqueue nothing


class SiteKind(StrEnum):
    """What kind of publishing target a site is."""

    wordpress = "wordpress"  # REST API v2 with an application password
    webhook = "webhook"  # a signed JSON POST, for every other CMS


class PostStatus(StrEnum):
    """The WordPress status a site gives the posts it creates."""

    draft = "draft"
    pending = "pending"
    publish = "publish"


class Role(StrEnum):
    """What a user may do; admins may do everything."""

    admin = "admin"
    operator = "operator"
    reviewer = "reviewer"


class ExportFormat(StrEnum):
    """The forms a draft is shown and exported in."""

    html = "html"
    md = "md"
    json = "json"
