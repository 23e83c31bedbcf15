"""The team's blocks of a draft with the template file used and a missing-variant flag."""

from __future__ import annotations

from pipeline.document import Block, ExtractedArticle
from pipeline.drafts.compose import BlockTemplates, compose_draft
from pipeline.drafts.team_blocks import team_blocks
from tests.web.factories import templates


def _composed(lang: str, blocks: BlockTemplates):
    article = ExtractedArticle(url="https://example.org/a", title="A", blocks=[])
    return compose_draft(article, [Block(kind="paragraph", html="x")], "A", lang, "google",
                         blocks)


def _team(lang: str, blocks: BlockTemplates, recorded: bool = True):
    composed = _composed(lang, blocks)
    uses = [use.to_dict() for use in composed.block_uses] if recorded else None
    return team_blocks(blocks, lang, composed.html, uses)


def test_variant_used_per_block_and_missing_variant_flagged():
    dutch = _team("nl", templates())
    assert [(b.name, b.template, b.missing_variant) for b in dutch["header"]] == \
        [("10-disclaimer", "10-disclaimer.nl.html.j2", False)]
    # Without a donation URL the donation block renders nothing and is not shown.
    assert [b.template for b in dutch["footer"]] == ["20-access.nl.html.j2"]
    assert "vertaling" in dutch["header"][0].html
    italian = _team("it", templates())
    assert [(b.template, b.missing_variant) for b in italian["header"]] == \
        [("10-disclaimer.html.j2", True)]


def test_a_draft_without_recorded_uses_asks_the_templates():
    dutch = _team("nl", templates(), recorded=False)
    assert [(b.name, b.template) for b in dutch["header"]] == \
        [("10-disclaimer", "10-disclaimer.nl.html.j2")]


def test_a_donation_block_with_a_donation_url_is_paired_with_its_file(tmp_path):
    from config.settings import SHIPPED_BLOCKS_DIR

    blocks = BlockTemplates(SHIPPED_BLOCKS_DIR, {"donate_url": "https://our.example/donate"})
    footer = _team("nl", blocks)["footer"]
    assert [b.template for b in footer] == ["20-access.nl.html.j2", "30-donate.nl.html.j2"]
    assert "https://our.example/donate" in footer[1].html
