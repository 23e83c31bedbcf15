"""The provider interface every machine-translation backend implements, and its error rules.

A provider translates a *pack*: a list of already encoded segments, in as few HTTP requests as
its API allows. It never sees block templates, credits or URLs; the translator filters those.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from urllib.parse import urlsplit

import httpx

from pipeline.errors import (
    PipelineError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
    ProviderUnreachable,
)
from pipeline.http_headers import retry_after_seconds
from pipeline.reasons import fails_fast, network_cause, unreachable
from pipeline.translate.context import ArticleContext, Refused, RequestUsage

QUOTA_EXCEEDED = "provider quota exceeded"


def unsupported_pair(source: str, target: str) -> ProviderError:
    return ProviderError(f"unsupported language pair {source}->{target}")


def unreachable_error(url: str, error: BaseException) -> ProviderUnreachable:
    """The error for a provider whose host could not be reached: names the host, the cause
    (DNS, refused) and what to do; never the request URL, which may carry the text."""
    host = urlsplit(url).hostname or url
    cause = network_cause(error)
    return ProviderUnreachable(unreachable(host, cause), host=host, fast=fails_fast(cause))


def provider_url(provider: object) -> str:
    """The endpoint a provider talks to, for naming its host in an error."""
    return str(getattr(provider, "base_url", "") or "")


def status_error(provider: str, status: int, detail: str = "",
                 retry_after: float | None = None) -> PipelineError:
    """Classify an HTTP error answer: 408/429/5xx are transient, other 4xx permanent."""
    detail = " ".join(detail.split())[:200]
    suffix = f": {detail}" if detail else ""
    if status == 429:
        return ProviderRateLimited(f"{provider}: HTTP 429 rate limited", retry_after)
    if status == 456:  # DeepL's "quota exceeded", used by some compatible servers too
        return ProviderRateLimited(f"{QUOTA_EXCEEDED} ({provider}: HTTP 456)", retry_after)
    if status == 408 or status >= 500:
        return ProviderUnavailable(f"{provider}: HTTP {status} server error{suffix}", retry_after)
    if status in (401, 403):
        return ProviderError(f"{provider}: authentication failed (HTTP {status}){suffix}")
    if status == 413:
        return ProviderError(f"{provider}: request too large (HTTP 413){suffix}")
    return ProviderError(f"{provider}: bad request (HTTP {status}){suffix}")


class Provider(ABC):
    """A machine-translation backend. Subclasses set the class attributes below."""

    name: str
    max_chars: int  # most characters of segment text in one request
    max_segments: int | None = None  # most segments in one request, None if unlimited
    supports_markup: bool = False  # True: segments are sent as HTML (escaped text + tags)
    overhead_per_segment: int = 0  # characters the pack format adds per segment (separators)

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.requests_made = 0
        self.chars_sent = 0

    # True: translate_pack checks its own answers and may refuse texts (see Refused).
    checks_answers: bool = False

    @abstractmethod
    def translate_texts(self, texts: list[str], source: str, target: str) -> list[str]:
        """Translate one pack; ``source`` is ``"auto"`` when unknown. Same length and order."""

    @property
    def label(self) -> str:
        """How a draft names this provider (the block templates' ``provider``)."""
        return self.name

    def translate_pack(self, texts: list[str], source: str, target: str,
                       context: ArticleContext | None = None,
                       strict: bool = False) -> list[str | Refused]:
        """One pack with the article around it; engines that take bare texts ignore it."""
        return list(self.translate_texts(texts, source, target))

    def pack_chars(self, texts: list[str], source: str, target: str,
                   context: ArticleContext | None = None, strict: bool = False) -> int:
        """Characters a request for ``texts`` sends: what the daily budget counts."""
        return sum(len(text) + self.overhead_per_segment for text in texts)

    def take_usage(self) -> list[RequestUsage]:
        """Requests made since the last call, with the usage their answers reported."""
        return []

    def _count(self, chars: int) -> None:
        self.requests_made += 1
        self.chars_sent += chars

    def __repr__(self) -> str:
        return f"<{type(self).__name__} requests={self.requests_made} chars={self.chars_sent}>"


class HttpProvider(Provider):
    """A provider spoken to directly with httpx; every request carries ``timeout``."""

    def __init__(self, timeout: float, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(timeout)
        self._http = httpx.Client(timeout=httpx.Timeout(timeout), transport=transport,
                                  follow_redirects=False)

    def _send(self, method: str, url: str, chars: int, **kwargs) -> httpx.Response:
        """One request, counted once the provider answered; transport failures and error
        statuses become our errors."""
        try:
            response = self._http.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise ProviderUnavailable(
                f"{self.name}: no answer within {self.timeout:g}s ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise unreachable_error(url, exc) from exc
        self._count(chars)
        if not response.is_success:
            raise self._error_for(response)
        return response

    def _error_for(self, response: httpx.Response) -> PipelineError:
        """Override to read provider-specific error bodies; the default uses the status."""
        return status_error(self.name, response.status_code, response.text,
                            retry_after_seconds(response.headers.get("retry-after")))

    def close(self) -> None:
        self._http.close()


class LineJoinedProvider(Provider):
    """For plain-text APIs with one text per request: pack segments as lines of one text.

    Segments never contain newlines (markup.encode collapses whitespace), so a newline is a
    separator the engines keep. If the line count differs on return, the pack is redone one
    segment per request rather than guessing which lines belong together.
    """

    overhead_per_segment = 1

    def translate_texts(self, texts: list[str], source: str, target: str) -> list[str]:
        if len(texts) == 1:
            return [self._translate_text(texts[0], source, target)]
        joined = self._translate_text("\n".join(texts), source, target)
        lines = [line.strip() for line in joined.split("\n") if line.strip()]
        if len(lines) == len(texts):
            return lines
        return [self._translate_text(text, source, target) for text in texts]

    @abstractmethod
    def _translate_text(self, text: str, source: str, target: str) -> str:
        """Translate one text in one request."""
