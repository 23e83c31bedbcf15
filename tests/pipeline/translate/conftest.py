"""Fixtures for the translate tests: a generated article and provider factories."""

from __future__ import annotations

import random

import pytest

from pipeline.document import Block, ExtractedArticle

WORDS = ("the", "council", "voted", "on", "a", "new", "budget", "for", "schools", "and",
         "roads", "after", "months", "of", "debate", "between", "parties", "residents")


def generated_article(paragraphs: int = 90, seed: int = 7) -> ExtractedArticle:
    """A long article with links, emphasis, a list, a table, a figure with a credit."""
    rng = random.Random(seed)

    def sentence() -> str:
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
        return " ".join(words).capitalize() + "."

    blocks: list[Block] = [Block("heading", html="A budget <em>at last</em>", level=2)]
    for i in range(paragraphs):
        body = " ".join(sentence() for _ in range(rng.randint(2, 7)))
        if i % 3 == 0:
            body += f' See <a href="https://example.org/doc/{i}">the document {i}</a>.'
        if i % 5 == 0:
            body = f"<strong>{body}</strong>"
        blocks.append(Block("paragraph", html=body))
    blocks.append(Block("list", items=("First <b>point</b>", "Second point", "1,234")))
    blocks.append(Block("table", rows=(("Year", "Amount"), ("2024", "€ 12.5 million")),
                        header_rows=1))
    blocks.append(Block("figure", src="https://example.org/a.jpg", alt="A council meeting",
                        caption="The council in <em>session</em>",
                        credit="© Jane Doe / Example Agency"))
    return ExtractedArticle(url="https://example.org/story", title="Council passes budget",
                            blocks=blocks, source_lang="en")


@pytest.fixture
def article() -> ExtractedArticle:
    return generated_article()
