"""Language tags compared one way everywhere."""

from __future__ import annotations

import pytest

from pipeline.languages import normalize_tag, primary_subtag


@pytest.mark.parametrize("tag, normal, primary", [
    ("nl", "nl", "nl"), ("pt-BR", "pt-br", "pt"), (" pt_BR ", "pt-br", "pt"),
    ("zh-Hant-TW", "zh-hant-tw", "zh"), ("EN", "en", "en"), ("", "", ""),
])
def test_a_tag_is_trimmed_lowered_and_cut_at_its_first_subtag(tag, normal, primary):
    assert normalize_tag(tag) == normal
    assert primary_subtag(tag) == primary
