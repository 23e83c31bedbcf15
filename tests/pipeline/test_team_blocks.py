"""The team's blocks of a draft with the template file used and a missing-variant flag."""

from __future__ import annotations

from pipeline.compose import compose
from pipeline.document import Block, ExtractedArticle
from pipeline.team_blocks import team_blocks
from tests.web.factories import templates


def _html(lang: str) -> str:
    article = ExtractedArticle(url="https://example.org/a", title="A", blocks=[])
    return compose(article, [Block(kind="paragraph", html="x")], "A", lang, "google",
                   templates())


def test_variant_used_per_block_and_missing_variant_flagged():
    dutch = team_blocks(templates(), "nl", _html("nl"))
    assert [(b.name, b.template, b.missing_variant) for b in dutch["header"]] == \
        [("10-disclaimer", "10-disclaimer.nl.html.j2", False)]
    assert [b.template for b in dutch["footer"]] == ["20-access.nl.html.j2",
                                                     "30-donate.nl.html.j2"]
    assert "vertaling" in dutch["header"][0].html
    spanish = team_blocks(templates(), "es", _html("es"))
    assert [(b.template, b.missing_variant) for b in spanish["header"]] == \
        [("10-disclaimer.html.j2", True)]
