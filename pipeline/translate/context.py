"""What a provider may be told besides the texts of a pack, and what it may report back.

Engines such as Google or DeepL take bare texts; a language model translates better with the
article around them (the title, the paragraph before) and the team's glossary, and checks
its own answers so it can refuse a segment instead of returning a broken one. These types
carry that between the chain and a provider without the chain knowing which kind it has.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ArticleContext:
    """The article a pack belongs to, as far as a provider may see it.

    ``preceding`` maps a segment's text (in the form it is sent) to the plain text of the
    segment before it in reading order; ``glossary`` lists ``(source term, required
    translation)`` pairs for the language pair.
    """

    title: str = ""
    preceding: dict[str, str] = field(default_factory=dict)
    glossary: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Refused:
    """A provider's refusal of one text of a pack: its own answer for it failed a check.

    The chain sends a refused text once more alone (``strict``), then hands it to the next
    provider; ``reason`` is recorded on the segment.
    """

    reason: str


@dataclass(frozen=True)
class RequestUsage:
    """What one request cost, as the server reported it (None: it did not say)."""

    chars_sent: int
    tokens_in: int | None = None
    tokens_out: int | None = None
