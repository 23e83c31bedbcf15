"""The one language identifier shared by extraction, the checks and the LLM answer checks."""

from __future__ import annotations

from pipeline import language_id

DUTCH = "Het kabinet heeft vandaag besloten om de belasting op brandstof volgend jaar te verlagen."


def test_the_identifier_names_the_language_and_is_sure_of_it():
    assert language_id.most_likely(DUTCH) == "nl"
    ranked = language_id.ranked(DUTCH)
    assert max(ranked, key=ranked.__getitem__) == "nl"
    assert 0.9 < ranked["nl"] <= 1.0


def test_the_identifier_knows_common_languages_and_not_made_up_ones():
    assert language_id.known("nl") and language_id.known("es")
    assert not language_id.known("xx")


def test_the_model_is_loaded_once():
    assert language_id.identifier() is language_id.identifier()
