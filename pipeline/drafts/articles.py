"""Storing extracted articles: one row per canonical URL, updated when the content changes."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipeline.db.models import Article, utcnow
from pipeline.db.session import insert_or_ignore
from pipeline.document import ExtractedArticle


def content_hash(structure: dict[str, Any]) -> str:
    """A hash of what would be translated (title and blocks of ``ExtractedArticle.to_dict()``),
    not fetch-time metadata."""
    payload = json.dumps(
        {"title": structure["title"], "blocks": structure["blocks"]},
        sort_keys=True, ensure_ascii=False,
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def save_article(session: Session, extracted: ExtractedArticle) -> tuple[Article, bool]:
    """Insert or update the article for ``extracted.url``; return it and whether it changed.

    "Changed" is true for a new article and for a known one whose content hash differs.
    """
    structure = extracted.to_dict()
    digest = content_hash(structure)
    fields = dict(
        content_hash=digest, title=extracted.title, author=extracted.author,
        published=extracted.published or "", site_name=extracted.site_name,
        source_lang=extracted.source_lang, lead_image=extracted.lead_image,
        structure=structure,
    )
    created = insert_or_ignore(
        session, Article, {"canonical_url": extracted.url, **fields,
                           "fetched_at": utcnow(), "created_at": utcnow(), "updated_at": utcnow()},
        ["canonical_url"],
    )
    article = session.scalars(
        select(Article).where(Article.canonical_url == extracted.url)
    ).one()
    if created:
        return article, True
    changed = article.content_hash != digest
    article.fetched_at = utcnow()
    if changed:
        for name, value in fields.items():
            setattr(article, name, value)
    return article, changed


def load_extracted(article: Article) -> ExtractedArticle:
    """The stored structure back as an :class:`ExtractedArticle`."""
    return ExtractedArticle.from_dict(article.structure)
