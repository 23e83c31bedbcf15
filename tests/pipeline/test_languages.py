"""Language tags compared one way everywhere, and the one language identifier."""

from __future__ import annotations

import pytest

from pipeline import language_id
from pipeline.languages import normalize_tag, primary_subtag


@pytest.mark.parametrize("tag, normal, primary", [
    ("nl", "nl", "nl"), ("pt-BR", "pt-br", "pt"), (" pt_BR ", "pt-br", "pt"),
    ("zh-Hant-TW", "zh-hant-tw", "zh"), ("EN", "en", "en"), ("", "", ""),
])
def test_a_tag_is_trimmed_lowered_and_cut_at_its_first_subtag(tag, normal, primary):
    assert normalize_tag(tag) == normal
    assert primary_subtag(tag) == primary


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
