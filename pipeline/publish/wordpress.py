"""Putting an approved draft on a WordPress site as one post, exactly once.

The post is found before anything is made: by the id remembered from the last publish
(unless it was deleted or trashed), else by the publication's fixed slug, so a publish whose
answer was lost, or a worker killed after WordPress saved the post, updates that post
instead of creating a second one. Images are found the same way: a media item's slug is
derived from its image URL, so one URL is uploaded once per site.
"""

from __future__ import annotations

import hashlib
import html as html_lib
import logging
import re
from dataclasses import dataclass, field

from config.settings import Settings
from pipeline.db.models import Publication, Site
from pipeline.document import Block
from pipeline.errors import PermanentError
from pipeline.fetch.image import fetch_image
from pipeline.publish.content import ApprovedContent, plain_text
from pipeline.publish.wordpress_api import WordPress

log = logging.getLogger(__name__)

SOURCE_URL_META = "transdraft_source_url"
DRAFT_ID_META = "transdraft_draft_id"
_TITLE = re.compile(r"<h1\b[^>]*>(.*?)</h1>", re.IGNORECASE | re.DOTALL)
_IMG_SRC = re.compile(r'(<img\b[^>]*?\bsrc=")([^"]*)(")', re.IGNORECASE)


@dataclass
class RemotePost:
    """What a site says about the published draft."""

    remote_id: str | None
    url: str
    status: str
    warnings: list[str] = field(default_factory=list)


def publish_wordpress(site: Site, content: ApprovedContent, publication: Publication,
                      settings: Settings, wordpress: WordPress | None = None) -> RemotePost:
    """Create or update the post of ``publication`` with ``content``."""
    wp = wordpress or WordPress(site, settings)
    with wp:
        # Credentials first: an unauthenticated lookup would fail with a less telling reason.
        wp.me()
        warnings: list[str] = []
        media = _Media(wp, settings)
        fields: dict = {"title": content.title, "excerpt": content.excerpt,
                        "slug": publication.slug}
        lead = content.lead_figure
        if lead is not None:
            featured = media.item_for(lead, warnings)
            if featured is not None:
                fields["featured_media"] = featured["id"]
        html = without_title(content.html, content.title)
        if site.upload_images:
            html = _rewrite_images(html, content.figures, media, warnings)
        fields["content"] = html
        categories = [wp.term_id("categories", name) for name in site.categories or []]
        tags = ([wp.term_id("tags", content.article.site_name)]
                if site.tag_site_name and content.article.site_name else [])
        meta = {SOURCE_URL_META: content.article.canonical_url,
                DRAFT_ID_META: str(content.draft_id)}
        exposed = wp.meta_keys()
        if exposed & meta.keys():
            fields["meta"] = {key: value for key, value in meta.items() if key in exposed}
        post = _existing_post(wp, publication)
        if post is None:
            post = wp.create_post({**fields, "status": site.post_status,
                                   **({"categories": categories} if categories else {}),
                                   **({"tags": tags} if tags else {})})
        else:
            # An editor's categories, tags and status on the site stay; ours are added.
            fields["categories"] = _union(post.get("categories"), categories)
            fields["tags"] = _union(post.get("tags"), tags)
            post = wp.update_post(post["id"], fields)
        return RemotePost(str(post["id"]), post.get("link", ""), post.get("status", ""),
                          warnings)


def without_title(html: str, title: str) -> str:
    """The composed HTML without its ``<h1>`` title: WordPress shows the post title itself."""
    match = _TITLE.search(html)
    if match and plain_text(match.group(1)) == plain_text(title):
        return html[:match.start()] + html[match.end():].lstrip("\n")
    return html


def _existing_post(wp: WordPress, publication: Publication) -> dict | None:
    if publication.remote_id:
        post = wp.get_post(publication.remote_id)
        if post is not None:
            return post
    return wp.find_post(publication.slug)


def _union(theirs, ours: list[int]) -> list[int]:
    merged = [int(term) for term in theirs or []]
    return merged + [term for term in ours if term not in merged]


class _Media:
    """Media items of one publish, by image URL: each uploaded (or found) once."""

    def __init__(self, wp: WordPress, settings: Settings) -> None:
        self.wp = wp
        self.settings = settings
        self._items: dict[str, dict | None] = {}

    def item_for(self, figure: Block, warnings: list[str]) -> dict | None:
        """The media item of ``figure``'s image with the figure's alt text, caption and credit;
        None (and a warning) when the image cannot be had for good."""
        if figure.src not in self._items:
            try:
                item = self._find_or_upload(figure.src)
            except PermanentError as error:
                log.warning("image %s not uploaded: %s", figure.src, error.reason)
                warnings.append(f"image {figure.src} not uploaded: {error.reason}")
                item = None
            if item is not None:
                item = self.wp.update_media(item["id"], _media_fields(figure))
            self._items[figure.src] = item
        return self._items[figure.src]

    def _find_or_upload(self, src: str) -> dict:
        slug = "transdraft-image-" + hashlib.sha256(src.encode()).hexdigest()[:20]
        found = self.wp.find_media(slug)
        if found is not None:
            return found
        image = fetch_image(src, self.settings)
        return self.wp.upload_media(image.data, image.content_type,
                                    f"{slug}.{image.extension}", slug)


def _media_fields(figure: Block) -> dict:
    caption = figure.caption.strip()
    if figure.credit.strip():
        credit = html_lib.escape(figure.credit.strip())
        caption = f"{caption} <small class=\"credit\">{credit}</small>".strip()
    title = plain_text(figure.caption) or figure.alt or figure.src.rsplit("/", 1)[-1]
    return {"alt_text": figure.alt, "caption": caption, "title": title[:200],
            "description": html_lib.escape(figure.credit.strip())}


def _rewrite_images(html: str, figures: list[Block], media: _Media,
                    warnings: list[str]) -> str:
    """``html`` with each figure's image URL replaced by its media item's URL."""
    urls = {}
    for figure in figures:
        item = media.item_for(figure, warnings)
        if item is not None and item.get("source_url"):
            urls[figure.src] = item["source_url"]

    def swap(match: re.Match) -> str:
        src = html_lib.unescape(match.group(2))
        if src not in urls:
            return match.group(0)
        return match.group(1) + html_lib.escape(urls[src]) + match.group(3)

    return _IMG_SRC.sub(swap, html)
