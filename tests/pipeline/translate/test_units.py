"""An article's segments as they are sent: plain-text fields escaped, markup as placeholders."""

from __future__ import annotations

from pipeline.document import TITLE_INDEX, Block, ExtractedArticle
from pipeline.translate.glossary import Term
from pipeline.translate.units import collect_units


def _article(title: str, *blocks: Block) -> ExtractedArticle:
    return ExtractedArticle(url="https://example.org/a", title=title, blocks=list(blocks))


def test_the_title_comes_first_then_each_blocks_segments_in_reading_order():
    units = collect_units(_article(
        "Floods & storms",
        Block("paragraph", html="The <em>river</em> rose."),
        Block("figure", src="https://example.org/a.jpg", alt="A <dam>", caption="The dam",
              credit="© Ann"),
        Block("quote", html="We were ready.", cite="The mayor")))
    assert [(u.block_index, u.key) for u in units] == [
        (TITLE_INDEX, "title"), (0, "html"), (1, "caption"), (1, "alt"), (2, "html"), (2, "cite")]
    plain = {u.key: u.is_plain for u in units}
    assert plain == {"title": True, "html": False, "caption": False, "alt": True, "cite": True}


def test_plain_text_is_escaped_and_inline_markup_becomes_placeholders():
    title, paragraph, alt = collect_units(_article(
        "Floods & storms", Block("paragraph", html="The <em>river</em> rose."),
        Block("figure", src="https://example.org/a.jpg", alt="A <dam>")))
    assert title.encoded.markup == "Floods &amp; storms"
    assert alt.encoded.markup == "A &lt;dam&gt;"
    assert paragraph.encoded.markup == "The <x1>river</x1> rose."
    assert paragraph.source == "The <em>river</em> rose."


def test_glossary_terms_are_masked_but_reviewer_keys_are_not():
    [unit] = collect_units(_article("", Block("paragraph", html="The Marrow Bay council met.")),
                           [Term("Marrow Bay", "Marrowbaai")])
    assert "Marrow Bay" not in unit.encoded.markup
    assert unit.unmasked.markup == "The Marrow Bay council met."
