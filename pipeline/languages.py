"""Language tags as every stage compares them: one spelling, and the part naming the language."""

from __future__ import annotations


def normalize_tag(lang: str) -> str:
    """``" pt_BR "`` -> ``"pt-br"``: trimmed, lower-cased, with ``-`` between subtags."""
    return lang.strip().lower().replace("_", "-")


def primary_subtag(lang: str) -> str:
    """``"pt-BR"`` -> ``"pt"``: the part of a tag that decides "same language" (and names a
    block's variant file, a glossary's fallback table, a provider's language code)."""
    return normalize_tag(lang).split("-", 1)[0]
