"""Engine traces as reviewer checks: Apertium's unknown-word marks and codes torn apart."""

from __future__ import annotations

from pipeline.checks.engine_marks import marked_words, split_codes
from pipeline.checks.rules import check_block, check_title
from pipeline.document import Block


def _kinds(source: str, translated: str) -> list[tuple[str, str]]:
    return [(c.kind, c.message) for c in check_block(
        0, Block(kind="paragraph", html=source), Block(kind="paragraph", html=translated),
        "en", "es")]


def test_apertium_marks_are_unknown_words_unless_the_source_has_them():
    assert marked_words("Follow @harbour and #climate", "Sigue @harbour y #climate, *muro "
                        "@dique #marea; escribe a info@example.org en C#") == \
        ["*muro", "@dique", "#marea"]
    assert marked_words("plain", "texto <unk> aquí") == ["<unk>"]
    found = _kinds("The wall is ready.", "El *wall está #listo.")
    assert ("unknown_word", "*wall is marked as unknown by the translation engine") in found
    assert ("unknown_word", "#listo is marked as unknown by the translation engine") in found


def test_a_code_torn_apart_is_a_numbers_warning_but_a_locale_format_is_not():
    assert split_codes("register 0x08, 1,000 people, flight B737",
                       "registro 0 x08, 1 000 personas, vuelo B737") == [("0x08", "0 x08")]
    assert _kinds("Set register 0x08 now.", "Ponga el registro 0 x08 ahora.") == \
        [("numbers", "number 0x08 written as '0 x08' in translation")]
    assert _kinds("Set register 0x08 now.", "Ponga el registro 0x08 ahora.") == []
    # A space between a number and its unit is a language's style, not a tear.
    assert split_codes("a 35mm lens, 2.4Ghz, 70km/h", "un objetivo de 35 mm, 2.4 Ghz, "
                       "70 km/h") == []


def test_title_checks_are_block_minus_one():
    checks = check_title("21 months of work", "12 meses de *work", "en", "es")
    assert {(c.block, c.kind) for c in checks} == {(-1, "numbers"), (-1, "unknown_word")}
