"""Fetch an article page, or a feed or sitemap, over HTTP(S), safely: the fetch stage's entry point.

Every hop of a redirect chain is validated and vetted by the SSRF guard before it is
requested; the whole fetch, redirects included, ends by ``settings.fetch_total_timeout``.
"""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus
from typing import TypeVar
from urllib.parse import urljoin, urlsplit

import httpx

from config.settings import Settings
from pipeline.document import FetchedPage, FetchedXML
from pipeline.errors import FetchFailed, FetchRefused, FetchUnavailable, InvalidURL
from pipeline.fetch import body as page_body
from pipeline.fetch.guard import resolve_and_check
from pipeline.fetch.transport import Deadline, PinnedBackend, PinnedTransport
from pipeline.fetch.urls import SCHEMES, canonicalize, host_and_port
from pipeline.http_headers import retry_after_seconds

USER_AGENT = "transdraft/0.1 (+https://github.com/transdraft)"
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
XML_ACCEPT = ("application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,"
              "*/*;q=0.1")

T = TypeVar("T")


def fetch(url: str, settings: Settings) -> FetchedPage:
    """Fetch the HTML page at ``url``, following at most ``fetch_max_redirects`` redirects.

    Raises :class:`InvalidURL` and :class:`FetchRefused` before any request is sent,
    :class:`FetchFailed` when the answer is unusable for good (4xx, not HTML, too large, ...)
    and :class:`FetchUnavailable` when a later try may work (timeouts, 429, 5xx, network).
    """
    return guarded_get(url, settings, HTML_ACCEPT,
                       lambda answer, asked, final: _page(answer, asked, final, settings))


def fetch_xml(url: str, settings: Settings) -> FetchedXML:
    """Fetch the XML document (feed, sitemap) at ``url`` as bytes, as safely as :func:`fetch`.

    The same guard, redirect, timeout and size rules apply; a gzip-compressed body
    (``sitemap.xml.gz``) is inflated under the same size cap. The bytes are not parsed here.
    """
    return guarded_get(url, settings, XML_ACCEPT,
                       lambda answer, asked, final: _xml(answer, asked, final, settings))


def guarded_get(url: str, settings: Settings, accept: str,
                read: Callable[[httpx.Response, str, str], T]) -> T:
    """GET ``url`` through the SSRF guard, hop by hop; ``read`` turns the final answer into T."""
    requested = canonicalize(url)
    deadline = Deadline(settings.fetch_total_timeout)
    backend = PinnedBackend(deadline)
    timeout = httpx.Timeout(connect=settings.fetch_connect_timeout,
                            read=settings.fetch_read_timeout,
                            write=settings.fetch_read_timeout,
                            pool=settings.fetch_connect_timeout)
    headers = {"User-Agent": USER_AGENT, "Accept-Encoding": page_body.ACCEPT_ENCODING,
               "Accept": accept}
    # No httpx.Client: it parses every Location header itself, more strictly than browsers
    # (and than the guard, which must see "http://0300.0250.0.1/" to refuse it).
    with PinnedTransport(backend) as transport:
        current = requested
        visited = [requested]
        for _hop in range(settings.fetch_max_redirects + 1):
            host, port = host_and_port(current)
            backend.pin(host, port, resolve_and_check(host, port, settings.fetch_allow_hosts))
            request = httpx.Request("GET", current, headers=headers,
                                    extensions={"timeout": timeout.as_dict()})
            try:
                response = transport.handle_request(request)
                response.request = request
                try:
                    target = _redirect_target(response, current)
                    if target is None:
                        return read(response, requested, current)
                finally:
                    response.close()
            except httpx.TimeoutException as exc:
                if deadline.expired():
                    raise FetchUnavailable(
                        f"fetch timed out after {deadline.seconds:g} s") from None
                if isinstance(exc, httpx.ConnectTimeout):
                    raise FetchUnavailable(f"fetch timed out: cannot connect to {host} within "
                                           f"{settings.fetch_connect_timeout:g} s") from None
                raise FetchUnavailable(f"fetch timed out: no answer from {host} "
                                       f"within {settings.fetch_read_timeout:g} s") from None
            except httpx.TransportError as exc:
                raise _network_error(host, exc) from None
            if target in visited:
                raise FetchFailed(f"redirect loop: {current} redirects back to {target}")
            visited.append(target)
            current = target
    raise FetchFailed(f"too many redirects (over {settings.fetch_max_redirects})")


def _redirect_target(response: httpx.Response, current: str) -> str | None:
    """The canonical URL a redirect points to, None when ``response`` is no redirect."""
    if response.status_code not in REDIRECT_STATUSES:
        return None
    location = response.headers.get("location", "").strip()
    if not location:
        raise FetchFailed(f"HTTP {response.status_code} redirect without a Location")
    try:
        target = urljoin(current, location)
        scheme = urlsplit(target).scheme.lower()
    except ValueError as exc:
        raise FetchFailed(f"bad redirect to {location!r}: {exc}") from None
    if scheme not in SCHEMES:
        raise FetchRefused(f"fetch refused: redirect to unsupported scheme '{scheme}' "
                           f"({location})")
    try:
        return canonicalize(target)
    except InvalidURL as exc:
        raise FetchFailed(f"bad redirect to {location!r}: {exc.reason}") from None


def check_status(response: httpx.Response) -> int:
    """The status code of a usable answer; 429 and 5xx are worth a retry, others are not."""
    status = response.status_code
    if status == 429 or status >= 500:
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        raise FetchUnavailable(_status_reason(response), retry_after=retry_after)
    if not 200 <= status < 300:
        raise FetchFailed(_status_reason(response))
    return status


def _page(response: httpx.Response, requested: str, final: str,
          settings: Settings) -> FetchedPage:
    status = check_status(response)
    content_type = response.headers.get("content-type")
    media_type = page_body.media_type(content_type)
    if media_type and media_type not in page_body.HTML_TYPES:
        raise FetchFailed(f"unsupported content type {media_type}")
    data = page_body.read_capped(response.iter_raw(), response.headers.get("content-encoding"),
                                 settings.fetch_max_bytes)
    if not data.strip():
        raise FetchFailed("empty body")
    if not media_type:
        if not page_body.looks_like_html(data):
            raise FetchFailed("unsupported content type: none given")
        media_type = "text/html"
    html, encoding = page_body.decode_html(data, content_type)
    return FetchedPage(url=requested, final_url=final, html=html, content_type=media_type,
                       encoding=encoding, status=status,
                       headers={name: value for name, value in response.headers.items()})


def _xml(response: httpx.Response, requested: str, final: str,
         settings: Settings) -> FetchedXML:
    status = check_status(response)
    media_type = page_body.media_type(response.headers.get("content-type"))
    if media_type and not page_body.may_be_xml(media_type):
        raise FetchFailed(f"unsupported content type {media_type}")
    data = page_body.read_capped(response.iter_raw(), response.headers.get("content-encoding"),
                                 settings.fetch_max_bytes)
    if data.startswith(page_body.GZIP_MAGIC):  # a .xml.gz file, not a content encoding
        data = page_body.read_capped([data], "gzip", settings.fetch_max_bytes)
    if not data.strip():
        raise FetchFailed("empty body")
    return FetchedXML(url=requested, final_url=final, data=data,
                      content_type=media_type or "application/xml", status=status)


def _status_reason(response: httpx.Response) -> str:
    try:
        phrase = HTTPStatus(response.status_code).phrase
    except ValueError:
        phrase = response.reason_phrase
    return f"HTTP {response.status_code} {phrase}".rstrip()


def _network_error(host: str, exc: httpx.TransportError) -> Exception:
    detail = str(exc) or type(exc).__name__
    if "CERTIFICATE_VERIFY_FAILED" in detail:  # the site must fix it; retrying will not help
        return FetchFailed(f"fetch failed: TLS certificate of {host} not valid: {detail}")
    if isinstance(exc, httpx.ConnectError):
        return FetchUnavailable(f"fetch unavailable: cannot connect to {host}: {detail}")
    return FetchUnavailable(f"fetch unavailable: connection to {host} broken: {detail}")
