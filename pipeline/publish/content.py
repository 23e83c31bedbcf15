"""What is published: the approved revision of a draft, and the pieces a CMS post needs."""

from __future__ import annotations

import hashlib
import html as html_lib
import re
import unicodedata
from dataclasses import dataclass

import nh3
from sqlalchemy.orm import Session

from pipeline.db.models import Article, Draft
from pipeline.document import Block
from pipeline.drafts.approved import NotApproved, approved_document
from pipeline.publish.errors import NotPublishable
from pipeline.vocabulary import DraftStatus


@dataclass(frozen=True)
class ApprovedContent:
    """One approved revision of a draft, as it is published."""

    draft_id: int
    revision: int
    title: str
    html: str  # composed: header blocks, body, footer blocks; sanitized
    blocks: tuple[Block, ...]
    article: Article

    @property
    def lead_figure(self) -> Block | None:
        """The article's first figure, else its lead image (no caption); None without either."""
        for block in self.blocks:
            if block.kind == "figure" and block.src:
                return block
        if self.article.lead_image:
            return Block(kind="figure", src=self.article.lead_image)
        return None

    @property
    def figures(self) -> list[Block]:
        return [block for block in self.blocks if block.kind == "figure" and block.src]

    @property
    def excerpt(self) -> str:
        """The first paragraph as plain text (what WordPress shows in lists and feeds)."""
        for block in self.blocks:
            if block.kind == "paragraph" and block.html.strip():
                return plain_text(block.html)
        return ""


def approved_content(session: Session, draft: Draft) -> ApprovedContent:
    """The approved revision of ``draft``; :class:`NotPublishable` unless it is approved.

    Every publishing path reads the draft through this one function, so no path can publish
    an unapproved revision: the text comes from the approved revision's snapshot (the one
    exports read), never from the draft's current columns, and a draft sent back to review
    by a later edit or re-translation is not published until it is approved again.
    """
    if draft.status != DraftStatus.approved:
        raise NotPublishable(f"draft {draft.id} is {draft.status}: only approved drafts are "
                             "published")
    try:
        approved = approved_document(session, draft.id)
    except NotApproved as error:
        raise NotPublishable(error.reason) from None
    return ApprovedContent(
        draft_id=draft.id, revision=approved.revision, title=approved.title,
        html=approved.html,
        blocks=tuple(Block.from_dict(data) for data in approved.blocks),
        article=draft.article)


def plain_text(inline_html: str) -> str:
    """Tags out, entities decoded, white space collapsed."""
    return " ".join(html_lib.unescape(nh3.clean(inline_html, tags=set())).split())


def slug_for(draft: Draft) -> str:
    """A stable, readable post slug for ``draft``: its title in ASCII and a short hash.

    The hash of the source URL and the target language makes it unique to the draft (and,
    unlike the draft's id, to this article in any transdraft database that publishes to the
    site), so a post whose creation answer was lost is found again by it. WordPress keeps a
    slug it is given as it is, for drafts too.
    """
    ascii_title = unicodedata.normalize("NFKD", draft.title or "").encode("ascii", "ignore")
    words = re.findall(r"[a-z0-9]+", ascii_title.decode().lower())
    stem = "-".join(words)[:80].strip("-") or "transdraft"
    key = f"{draft.article.canonical_url} {draft.target_lang}".encode()
    return f"{stem}-td{hashlib.sha256(key).hexdigest()[:8]}"
