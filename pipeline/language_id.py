"""Telling which language a text is in: one py3langid model, loaded on first use and shared
by extraction (a page without a declared language), the checks and the LLM answer checks."""

from __future__ import annotations

from functools import lru_cache

from py3langid.langid import MODEL_FILE, LanguageIdentifier


@lru_cache(maxsize=1)
def identifier() -> LanguageIdentifier:
    """The identifier, with probabilities normalised to 0..1 (so thresholds mean something)."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def ranked(text: str) -> dict[str, float]:
    """Every language the model knows, with the probability that ``text`` is in it."""
    return dict(identifier().rank(text))


def known(lang: str) -> bool:
    """Whether the model can recognise ``lang`` (a primary subtag) at all."""
    return lang in identifier().nb_classes


def most_likely(text: str) -> str:
    """The language ``text`` is most probably in, as the model's code (``en``, ``nl``, ...)."""
    language, _probability = identifier().classify(text)
    return language
