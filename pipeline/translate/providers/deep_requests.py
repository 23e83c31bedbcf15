"""Timeouts and request accounting for deep-translator, which calls ``requests`` without any.

deep-translator's modules do ``import requests`` and then ``requests.get(url, params=...)``
with no ``timeout``, so a stalled server would hang a worker forever. Rather than patching
the global ``requests.get`` (which would change every library in the process) or copying
deep-translator's classes, we replace the name ``requests`` *inside the deep-translator
modules we use* with a stand-in that adds the timeout of the current :func:`exchange` scope.
The scope is a context variable, so threads and tasks running different providers with
different timeouts do not see each other's settings. The stand-in also remembers the last
response, because deep-translator turns every status code into the same ``RequestError``
and we need the real code to tell transient failures from permanent ones.
"""

from __future__ import annotations

import contextlib
import contextvars
import threading
import types
from collections.abc import Iterator
from dataclasses import dataclass

import requests
from deep_translator import exceptions as dt

from pipeline.errors import ProviderError, ProviderUnavailable
from pipeline.http_headers import retry_after_seconds
from pipeline.translate.base import provider_url, status_error, unreachable_error

# Used when deep-translator is called outside an exchange() scope: still never unbounded.
FALLBACK_TIMEOUT = 30.0


@dataclass
class Exchange:
    """What happened on the wire during one scoped deep-translator call."""

    timeout: float
    requests: int = 0  # requests that got an answer (any status): only those count as sent
    last_response: requests.Response | None = None
    last_url: str = ""


_current: contextvars.ContextVar[Exchange | None] = contextvars.ContextVar(
    "deep_translator_exchange", default=None)


class _RequestsWithTimeout(types.ModuleType):
    """Looks like the ``requests`` module; ``get``/``post``/``request`` always time out."""

    def __init__(self) -> None:
        super().__init__("requests")

    def __getattr__(self, name: str):
        return getattr(requests, name)  # exceptions, Session, ... stay the real ones

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        scope = _current.get()
        kwargs["timeout"] = scope.timeout if scope else FALLBACK_TIMEOUT
        if scope:
            scope.last_url = url
        response = _session().request(method, url, **kwargs)
        if scope:
            scope.requests += 1
            scope.last_response = response
        return response

    def get(self, url: str, **kwargs) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs) -> requests.Response:
        return self.request("POST", url, **kwargs)


_local = threading.local()


def _session() -> requests.Session:
    """This thread's HTTP session: kept-alive connections to the provider, one per thread
    because a requests.Session is not safe to share between threads."""
    session = getattr(_local, "session", None)
    if session is None:
        session = _local.session = requests.Session()
    return session


_stand_in = _RequestsWithTimeout()


def install(module: types.ModuleType) -> None:
    """Make ``module`` (a deep_translator submodule) use the timed stand-in for ``requests``."""
    if getattr(module, "requests", None) is not _stand_in:
        module.requests = _stand_in


@contextlib.contextmanager
def exchange(timeout: float) -> Iterator[Exchange]:
    """Scope in which deep-translator requests use ``timeout`` and are recorded."""
    scope = Exchange(timeout)
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)


def call(provider, function, text: str):
    """Run ``function(text)`` (a deep-translator method) for ``provider`` with its timeout.

    Counts the requests made and maps deep-translator's exceptions, plus the status code of
    the last answer, onto ProviderUnavailable/ProviderError.
    """
    with exchange(provider.timeout) as scope:
        try:
            return function(text)
        except requests.Timeout as exc:
            raise ProviderUnavailable(
                f"{provider.name}: no answer within {provider.timeout:g}s") from exc
        except requests.ConnectionError as exc:
            # str(exc) holds the request URL, and with it the text sent: never show it.
            raise unreachable_error(scope.last_url or provider_url(provider), exc) from exc
        except requests.RequestException as exc:
            raise ProviderUnavailable(
                f"{provider.name}: request failed ({type(exc).__name__})") from exc
        except (dt.TooManyRequests, dt.RequestError, dt.ServerException) as exc:
            answer = scope.last_response
            if answer is None or answer.ok:
                raise ProviderUnavailable(
                    f"{provider.name}: request failed ({type(exc).__name__})") from exc
            raise status_error(provider.name, answer.status_code, answer.text[:200],
                               retry_after_seconds(answer.headers.get("retry-after"))) from exc
        except dt.TranslationNotFound as exc:
            raise ProviderError(
                f"{provider.name}: the answer holds no translation (has the page changed?)"
            ) from exc
        except (dt.NotValidLength, dt.NotValidPayload) as exc:
            raise ProviderError(f"{provider.name}: text refused as too long or empty") from exc
        finally:
            for _ in range(scope.requests):
                provider._count(len(text))
                text = ""  # characters are counted once, on the first request
