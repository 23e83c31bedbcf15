"""Glossary: loading, versions, masking terms as placeholders and putting them back."""

from __future__ import annotations

import pytest

from pipeline.errors import PermanentError
from pipeline.translate.glossary import Glossary, GlossaryError, Term, unmask

GLOSSARY_TOML = """
[nl]
"European Union" = "Europese Unie"
"Union" = "Unie"
"New York Times" = "New York Times"
"New York" = "New York"
"climate change" = "klimaatverandering"
"OpenAI" = "OpenAI"

[es]
"European Union" = "Unión Europea"
"""


@pytest.fixture
def glossary(tmp_path) -> Glossary:
    path = tmp_path / "glossary.toml"
    path.write_text(GLOSSARY_TOML, encoding="utf-8")
    return Glossary.load(path)


def test_load_reads_terms_per_target_language(glossary):
    nl = glossary.for_target("nl")
    assert Term("European Union", "Europese Unie") in nl
    assert Term("OpenAI", "OpenAI").protected
    assert not Term("Union", "Unie").protected
    assert glossary.for_target("es") == [Term("European Union", "Unión Europea")]
    assert glossary.for_target("NL-be") == nl  # falls back to the base language
    assert glossary.for_target("fr") == []


def test_version_is_stable_and_changes_with_content(tmp_path, glossary):
    same = tmp_path / "same.toml"
    same.write_text(GLOSSARY_TOML + "\n# a comment changes nothing\n", encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text(GLOSSARY_TOML.replace("Unión Europea", "UE"), encoding="utf-8")
    assert glossary.version
    assert Glossary.load(same).version == glossary.version
    assert Glossary.load(other).version != glossary.version
    assert Glossary.empty().version == ""


def test_mask_is_case_insensitive_on_word_boundaries(glossary):
    masked = glossary.mask("The european UNION met. Unions and reunion stay.", "nl")
    assert masked.text == "The <g1/> met. Unions and reunion stay."
    assert masked.replacements == {"g1": "Europese Unie"}


def test_mask_is_unicode_aware(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text('[nl]\n"café" = "koffiehuis"\n"Zürich" = "Zürich"\n', encoding="utf-8")
    g = Glossary.load(path)
    masked = g.mask("Le Café de Zürich; cafés; Zürichsee", "nl")
    assert masked.text == "Le <g1/> de <g2/>; cafés; Zürichsee"


def test_mask_never_touches_tags_or_attributes(glossary):
    text = ('<x1>European Union</x1> <a href="https://eu.example/european-union" '
            'title="European Union">site</a> and <em class="OpenAI">OpenAI</em>')
    masked = glossary.mask(text, "nl")
    assert masked.text == ('<x1><g1/></x1> <a href="https://eu.example/european-union" '
                           'title="European Union">site</a> and <em class="OpenAI"><g2/></em>')


def test_mask_multi_word_terms_and_longest_match_first(glossary):
    masked = glossary.mask("The New York Times on New  York and the Union.", "nl")
    assert masked.text == "The <g1/> on <g2/> and the <g3/>."
    assert masked.replacements == {"g1": "New York Times", "g2": "New  York", "g3": "Unie"}


def test_unmask_puts_the_required_translation_at_every_occurrence(glossary):
    masked = glossary.mask("European Union rules: the European Union and climate change.", "nl")
    translated = "Regels van <g1/>: <g2 /> en <g3></g3>."  # engines vary the tag spelling
    assert unmask(translated, masked) == (
        "Regels van Europese Unie: Europese Unie en klimaatverandering."
    )


def test_protected_term_keeps_its_original_surface_form(glossary):
    masked = glossary.mask("openai and OpenAI", "nl")
    assert glossary.unmask("<g1/> en <g2/>", masked) == "openai en OpenAI"


def test_required_translation_is_escaped_as_text(tmp_path):
    path = tmp_path / "g.toml"
    path.write_text('[nl]\n"R&D" = "O&O"\n', encoding="utf-8")
    g = Glossary.load(path)
    masked = g.mask("Our R&amp;D team", "nl")
    assert masked.text == "Our <g1/> team"
    assert unmask("Ons <g1/>-team", masked) == "Ons O&amp;O-team"


def test_lost_or_unknown_placeholder_gives_none(glossary):
    masked = glossary.mask("European Union and OpenAI", "nl")
    assert unmask("<g1/> en iets anders", masked) is None
    assert unmask("<g1/> en <g2/> en <g9/>", masked) is None
    assert unmask("<g1/> en <g2/>", masked) == "Europese Unie en OpenAI"


def test_text_without_terms_is_unchanged(glossary):
    masked = glossary.mask("Nothing to see here.", "nl")
    assert masked.text == "Nothing to see here." and masked.replacements == {}
    assert unmask("Niets te zien.", masked) == "Niets te zien."


@pytest.mark.parametrize(
    "content, fragment",
    [
        ('[nl\n"a" = "b"', "invalid TOML"),
        ('[nl]\n"a" = 3\n', "must map to a string"),
        ('nl = "b"\n', "must be a table"),
        ('[nl]\n"EU" = "EU"\n"eu" = "Europa"\n', "same term"),
        ('[nl]\n"a" = ""\n', "empty"),
    ],
)
def test_bad_file_is_a_clear_error_naming_the_file(tmp_path, content, fragment):
    path = tmp_path / "broken-glossary.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(GlossaryError) as info:
        Glossary.load(path)
    assert isinstance(info.value, PermanentError)
    assert "broken-glossary.toml" in str(info.value)
    assert fragment in str(info.value)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(GlossaryError, match="missing.toml"):
        Glossary.load(tmp_path / "missing.toml")
