"""Error types of the pipeline: transient ones are retried, permanent ones fail the job.

Every message is written for a person who has to act on it, e.g. ``fetch refused: private
address`` or ``not an article: no main text found``.
"""

from __future__ import annotations

from datetime import datetime, timezone


class PipelineError(Exception):
    """Base of every error the pipeline raises on purpose."""

    transient = False

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class PermanentError(PipelineError):
    """Retrying will not help: the input or the configuration must change."""


class TransientError(PipelineError):
    """A retry later may succeed (timeouts, 429, 5xx, connection errors)."""

    transient = True

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class InvalidURL(PermanentError):
    """The URL is malformed or uses a scheme we do not fetch."""


class FetchRefused(PermanentError):
    """The URL points somewhere we must not go (private address, file: URL, ...)."""


class FetchFailed(PermanentError):
    """The site answered, but not with something we can use (404, PDF, too large, ...)."""


class FetchUnavailable(TransientError):
    """The site could not be reached or answered 5xx/429; try again later."""


class NotAnArticle(PermanentError):
    """The page has no main text to translate."""


class ProviderError(PermanentError):
    """The translation provider refused the request for good (auth, language, bad request)."""


class ProviderUnavailable(TransientError):
    """The translation provider is rate limiting, overloaded or unreachable."""


class ProviderRateLimited(ProviderUnavailable):
    """The provider said "slow down" or "quota used up" (429, DeepL 456, quota warnings).

    Unlike a timeout or a 5xx, asking again soon will not help: the provider is paused for
    a cool-down and the next provider of the chain takes over at once.
    """


class BudgetExceeded(TransientError):
    """Translating now would pass a provider's daily character budget; nothing was sent.

    ``resume_at`` is when the budget resets (the next midnight UTC); raising the budget
    lets the work go on earlier.
    """

    def __init__(self, reason: str, resume_at: datetime) -> None:
        retry_after = max(0.0, (resume_at - datetime.now(timezone.utc)).total_seconds())
        super().__init__(reason, retry_after)
        self.resume_at = resume_at


class TemplateError(PermanentError):
    """A block template is invalid; raised at startup."""


class SourceUnreadable(PermanentError):
    """A feed or sitemap could not be read: not XML, not a feed or sitemap, or refused XML."""


class InvalidSource(PermanentError):
    """A source cannot be added or changed as asked (bad schedule, name taken, ...)."""


class ProviderUnreachable(ProviderUnavailable):
    """No connection to the provider's host at all (DNS, refused, network down).

    Nothing was sent, so no character counts. ``fast`` says a terminal user should not wait
    through retries: a DNS failure or a refused port does not heal in seconds.
    """

    def __init__(self, reason: str, host: str = "", fast: bool = False) -> None:
        super().__init__(reason)
        self.host = host
        self.fast = fast
