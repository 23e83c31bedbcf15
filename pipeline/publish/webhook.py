"""Publishing to any other CMS: the approved draft POSTed as signed JSON to a webhook.

The body is the ``drafts show --format json`` document of the approved revision plus
``revision`` and ``publication_id``; ``X-Transdraft-Signature: sha256=HEX`` is the
HMAC-SHA256 of the exact body bytes with the site's secret, and ``Idempotency-Key`` is the
same for every retry of one revision, so a receiver can drop a repeat. Any 2xx is success;
the receiver may answer ``{"id": ..., "url": ...}`` to have them recorded.
"""

from __future__ import annotations

import hashlib
import hmac
import json

import httpx

from config.settings import Settings
from pipeline.db.models import Publication, Site
from pipeline.fetch.http import USER_AGENT
from pipeline.http_headers import retry_after_seconds
from pipeline.publish.errors import PublishRefused, PublishUnavailable
from pipeline.publish.wordpress import RemotePost

SIGNATURE_HEADER = "X-Transdraft-Signature"


def signature(secret: str, body: bytes) -> str:
    """The signature header's value for ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def idempotency_key(publication: Publication, revision: int) -> str:
    return f"transdraft-publication-{publication.id}-revision-{revision}"


def publish_webhook(site: Site, document: dict, publication: Publication, revision: int,
                    settings: Settings, transport: httpx.BaseTransport | None = None,
                    ) -> RemotePost:
    """POST ``document`` (the approved draft) to the site's webhook."""
    body = json.dumps({**document, "revision": revision, "publication_id": publication.id},
                      ensure_ascii=False, sort_keys=True).encode()
    headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
               SIGNATURE_HEADER: signature(site.secret, body),
               "Idempotency-Key": idempotency_key(publication, revision)}
    timeout = httpx.Timeout(settings.fetch_read_timeout, connect=settings.fetch_connect_timeout)
    try:
        with httpx.Client(timeout=timeout, transport=transport) as client:
            response = client.post(site.url, content=body, headers=headers)
    except httpx.TimeoutException:
        raise PublishUnavailable(f"webhook {site.url} timed out") from None
    except httpx.TransportError as error:
        raise PublishUnavailable(f"webhook {site.url} unreachable: {type(error).__name__}: "
                                 f"{error}") from None
    status = response.status_code
    if status == 429 or status >= 500:
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        raise PublishUnavailable(f"webhook {site.url} answered HTTP {status}",
                                 retry_after=retry_after)
    if not 200 <= status < 300:
        raise PublishRefused(f"webhook {site.url} refused the draft: HTTP {status}")
    answer = _answer(response)
    remote_id = answer.get("id")
    return RemotePost(str(remote_id) if remote_id is not None else None,
                      str(answer.get("url") or ""), "delivered")


def _answer(response: httpx.Response) -> dict:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
