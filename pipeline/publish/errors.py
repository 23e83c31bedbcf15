"""Publishing's error types: a refusal is permanent (fix the site or the draft), an outage
transient (the job is retried with backoff)."""

from __future__ import annotations

from pipeline.errors import PermanentError, TransientError


class InvalidSite(PermanentError):
    """A site cannot be added or used as asked (bad URL, name taken, unknown site, ...)."""


class NotPublishable(PermanentError):
    """The draft is not approved: nothing of it may leave transdraft."""


class PublishRefused(PermanentError):
    """The site answered and said no (401, 403, 400, ...): retrying will not help."""


class PublishUnavailable(TransientError):
    """The site timed out, rate-limited (429) or failed (5xx): try again later."""
