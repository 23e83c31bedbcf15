"""``sites test``: check a site's address, credentials and rights before the first publish."""

from __future__ import annotations

import json

import httpx

from config.settings import Settings
from pipeline.db.models import Site
from pipeline.publish.errors import PublishRefused, PublishUnavailable
from pipeline.publish.webhook import SIGNATURE_HEADER, signature
from pipeline.publish.wordpress import DRAFT_ID_META, SOURCE_URL_META
from pipeline.publish.wordpress_api import WordPress
from pipeline.vocabulary import PostStatus, SiteKind


def test_site(site: Site, settings: Settings) -> list[str]:
    """What works, one finding a line; the typed error naming what is wrong otherwise."""
    if site.kind == SiteKind.wordpress:
        return _test_wordpress(site, settings)
    return _test_webhook(site, settings)


def _test_wordpress(site: Site, settings: Settings) -> list[str]:
    with WordPress(site, settings) as wp:
        findings = [f"REST API found at {wp.api_root()}"]
        me = wp.me()
        capabilities = me.get("capabilities") or {}
        findings.append(f"application password accepted for {site.username} "
                        f"({', '.join(me.get('roles') or []) or 'no role'})")
        needed = {"edit_posts": "create posts"}
        if site.post_status == PostStatus.publish:
            needed["publish_posts"] = "publish posts"
        needed["upload_files"] = "upload the lead image"
        if site.categories:
            needed["manage_categories"] = "create missing categories"
        missing = [what for capability, what in needed.items() if not capabilities.get(capability)]
        if "create posts" in missing or "publish posts" in missing:
            raise PublishRefused(f"wordpress user {site.username} may not "
                                 f"{' or '.join(missing)}: give them the Editor or Author role")
        if missing:
            findings.append(f"warning: {site.username} may not {', '.join(missing)}")
        exposed = wp.meta_keys() & {SOURCE_URL_META, DRAFT_ID_META}
        findings.append("source URL meta: " + ("exposed" if SOURCE_URL_META in exposed else
                        "not exposed (install contrib/wordpress/transdraft-source.php to "
                        "keep the source URL with each post)"))
        return findings


def _test_webhook(site: Site, settings: Settings) -> list[str]:
    body = json.dumps({"event": "ping"}).encode()
    try:
        response = httpx.post(site.url, content=body, timeout=settings.fetch_read_timeout,
                              headers={"Content-Type": "application/json",
                                       SIGNATURE_HEADER: signature(site.secret, body)})
    except httpx.TransportError as error:
        raise PublishUnavailable(f"webhook {site.url} unreachable: {type(error).__name__}: "
                                 f"{error}") from None
    if not 200 <= response.status_code < 300:
        raise PublishRefused(f"webhook {site.url} answered HTTP {response.status_code} to a "
                             "signed ping")
    return [f"webhook {site.url} accepted a signed ping (HTTP {response.status_code})"]
