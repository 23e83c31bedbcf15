"""The ``extraction_loss`` reviewer check: the draft's body holds markedly less text than
trafilatura's plain extraction of the same page.

The body is built from trafilatura's own text, so the two should agree; when they do not
(a step of ours dropped blocks, or a later change regressed), the person approving must see
it rather than publish half an article. The reference length is counted at extraction time,
from the page, and stored with the article (``ExtractedArticle.reference_chars``).
"""

from __future__ import annotations

from pipeline.checks.rules import Check
from pipeline.document import ExtractedArticle
from pipeline.extract.inline import plain_text
from pipeline.extract.locate import squeeze

# The body may hold this share of the reference's characters before it is a loss: title
# and gallery controls are taken out of the body on purpose.
MIN_SHARE = 0.9
ARTICLE_LEVEL = -1  # the ``block`` of a check about the whole article


def body_chars(article: ExtractedArticle) -> int:
    """Characters (whitespace aside) of the body's text, figures aside, title included."""
    parts = [article.title] + [plain_text(text) for block in article.blocks
                               if block.kind != "figure" for _, text in block.segments()]
    return sum(len(squeeze(part)) for part in parts)


def extraction_loss(article: ExtractedArticle) -> list[Check]:
    """One ``extraction_loss`` warning when the body is markedly shorter than the reference."""
    reference = article.reference_chars
    if not reference:
        return []  # extracted before the reference was counted
    found = body_chars(article)
    if found >= MIN_SHARE * reference:
        return []
    return [Check("extraction_loss", ARTICLE_LEVEL,
                  f"the body holds {found} characters of text, {found / reference:.0%} of the "
                  f"{reference} that trafilatura extracts from the page: text may be missing")]
