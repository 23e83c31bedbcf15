"""What is published: only an approved draft, its lead figure, excerpt and a stable slug."""

from __future__ import annotations

import pytest

from pipeline.db.session import session_scope, upgrade
from pipeline.document import Block
from pipeline.drafts import review
from pipeline.publish.content import approved_content, slug_for
from pipeline.publish.errors import NotPublishable
from tests.web.factories import make_draft


def test_only_an_approved_draft_has_content_to_publish(sqlite_url):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        draft = make_draft(session, translated_title="Één muur: 18,7 km!")
        with pytest.raises(NotPublishable, match="is pending_review"):
            approved_content(session, draft)
        review.approve(session, draft, "ann")
        content = approved_content(session, draft)
        assert (content.revision, content.title) == (1, "Één muur: 18,7 km!")
        assert content.excerpt == "De havenmuur is 18,7 km lang."
        assert content.lead_figure.caption == "De nieuwe muur."
        slug = slug_for(draft)
        assert slug.startswith("een-muur-18-7-km-td") and slug == slug_for(draft)
        other = make_draft(session, url="https://news.example.org/other",
                           translated_title="Één muur: 18,7 km!")
        assert slug_for(other) != slug


def test_without_a_figure_the_article_lead_image_is_the_lead(sqlite_url):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        blocks = [Block(kind="paragraph", html="Only <b>text</b> here.")]
        draft = make_draft(session, source_blocks=blocks, translated_blocks=blocks)
        draft.article.lead_image = "https://img.example.org/lead.jpg"
        review.approve(session, draft, "ann")
        content = approved_content(session, draft)
        assert content.lead_figure == Block(kind="figure", src="https://img.example.org/lead.jpg")
        assert content.excerpt == "Only text here."
