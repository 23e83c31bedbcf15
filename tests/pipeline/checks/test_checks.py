"""Reviewer checks: each kind raised on a crafted bad translation, none on faithful ones."""

from __future__ import annotations

import pytest

from pipeline.checks.rules import Check, check_article, check_block
from pipeline.document import Block
from pipeline.translate.glossary import Term


def p(html: str) -> Block:
    return Block(kind="paragraph", html=html)


SOURCE = [
    Block(kind="heading", level=1, html="Rotterdam port handles record 1,450 million tonnes"),
    p('The port of Rotterdam handled 1,450,000 containers in 2023, up 3.2% on the year before, '
      'according to <a href="https://example.org/report">its annual report</a>.'),
    p("Chief executive Boudewijn Siemons said on 14 March at 10:30 a.m. that the second "
      "terminal will open in three years and will cost €2.5 billion."),
    p("The ships are up to 400 metres long and sail at about 20 knots."),
    Block(kind="list", items=("Angela Merkel", "Emmanuel Macron", "Mark Rutte")),
    Block(kind="figure", src="https://example.org/port.jpg", caption="Cranes in the Maasvlakte",
          credit="© Port of Rotterdam"),
]

DUTCH = [
    Block(kind="heading", level=1, html="Rotterdamse haven verwerkt recordhoeveelheid van 1.450 miljoen ton"),
    p('De haven van Rotterdam verwerkte in 2023 1.450.000 containers, 3,2% meer dan het jaar '
      'ervoor, volgens <a href="https://example.org/report">het jaarverslag</a>.'),
    p("Topman Boudewijn Siemons zei op 14 maart om 10.30 uur dat de tweede terminal over drie "
      "jaar opengaat en 2,5 miljard euro gaat kosten."),
    p("De schepen zijn tot 400 meter lang en varen ongeveer 20 knopen."),
    Block(kind="list", items=("Angela Merkel", "Emmanuel Macron", "Mark Rutte")),
    Block(kind="figure", src="https://example.org/port.jpg", caption="Kranen op de Maasvlakte",
          credit="© Port of Rotterdam"),
]

SPANISH = [
    Block(kind="heading", level=1, html="El puerto de Róterdam mueve un récord de 1450 millones de toneladas"),
    p('El puerto de Róterdam movió 1 450 000 contenedores en 2023, un 3,2 % más que el año '
      'anterior, según <a href="https://example.org/report">su informe anual</a>.'),
    p("El director ejecutivo Boudewijn Siemons dijo el 14 de marzo a las 10:30 h que la segunda "
      "terminal abrirá dentro de tres años y costará 2500 millones de euros."),
    p("Los barcos miden hasta 400 metros de eslora y navegan a unos 20 nudos."),
    Block(kind="list", items=("Angela Merkel", "Emmanuel Macron", "Mark Rutte")),
    Block(kind="figure", src="https://example.org/port.jpg", caption="Grúas en el Maasvlakte",
          credit="© Port of Rotterdam"),
]


@pytest.mark.parametrize("lang, translation", [("nl", DUTCH), ("es", SPANISH)])
def test_faithful_translation_raises_nothing(lang, translation):
    assert check_article(SOURCE, translation, "en", lang) == []


def kinds(checks: list[Check]) -> set[str]:
    return {check.kind for check in checks}


def test_changed_number_is_reported_with_the_number():
    bad = p(DUTCH[1].html.replace("1.450.000", "1.540.000"))
    checks = check_block(1, SOURCE[1], bad, "en", "nl")
    assert [c.to_dict() for c in checks] == [
        {"kind": "numbers", "block": 1, "message": "number 1,450,000 missing in translation"},
        {"kind": "numbers", "block": 1,
         "message": "number 1.540.000 in translation is not in the source"},
    ]


@pytest.mark.parametrize("source, translated", [
    ("It cost 1,450 euros.", "Het kostte 1.450 euro."),
    ("It cost 1,450 euros.", "Costó 1 450 euros."),
    ("It cost 1450 euros.", "Costó 1.450 euros."),
    ("Growth was 3.2 percent.", "La croissance était de 3,2 %."),
    ("She came 21st of 30 runners.", "Ze werd 21e van de 30 lopers."),
    ("Sales fell by 12%.", "Las ventas cayeron un 12 %."),
    ("The 19th-century house of three floors.", "La casa del siglo XIX de tres plantas."),
    ("In the 1980s it cost $1.5 billion.", "En los años 80 costó 1500 millones de dólares."),
    ("The fire was 20 miles away.", "El incendio estaba a 32 km."),
    ("The program started at 8:30 p.m. (15.00 UTC).", "El programa empezó a las 20:30 (15:00 UTC)."),
])
def test_locale_formats_and_words_are_not_alarms(source, translated):
    assert check_block(0, p(source), p(translated), "en", "nl") == []


def test_link_lost_or_changed():
    dropped = p(DUTCH[1].html.replace('<a href="https://example.org/report">', "").replace("</a>", ""))
    checks = check_block(1, SOURCE[1], dropped, "en", "nl")
    assert [c.message for c in checks] == ["link https://example.org/report lost in translation"]
    changed = p(DUTCH[1].html.replace("example.org/report", "example.org/nl/report"))
    assert [c.message for c in check_block(1, SOURCE[1], changed, "en", "nl")] == [
        "link https://example.org/report lost in translation",
        "link https://example.org/nl/report in translation is not in the source",
    ]


def test_lost_placeholders_flag_becomes_a_check():
    checks = check_article(SOURCE, DUTCH, "en", "nl", lost_placeholders={1})
    assert [(c.kind, c.block) for c in checks] == [("placeholders", 1)]


def test_untranslated_block_identical_to_source():
    checks = check_block(2, SOURCE[2], SOURCE[2], "en", "nl")
    assert "untranslated" in kinds(checks)


def test_untranslated_detected_by_language_even_when_not_identical():
    source = p("The chief executive told reporters that the new terminal would open within "
               "three years and that the cost would be covered by the port itself.")
    echoed = p("The chief executive told the reporters the new terminal will open within "
               "three years, and the cost is covered by the port itself.")
    checks = check_block(0, source, echoed, "en", "nl")
    assert [c.kind for c in checks] == ["untranslated"]
    assert "source language" in checks[0].message


def test_names_and_short_blocks_are_never_untranslated():
    assert check_block(4, SOURCE[4], SOURCE[4], "en", "nl") == []
    assert check_block(0, p("Brexit"), p("Brexit"), "en", "nl") == []
    assert check_block(0, p("Yes, we can"), p("Yes, we can"), "en", "nl") == []


def test_length_outside_the_band():
    short = p("De schepen zijn lang.")
    checks = check_block(3, SOURCE[3], short, "en", "nl")
    assert kinds(checks) == {"length", "numbers"}
    length = next(c for c in checks if c.kind == "length")
    assert "times the source length" in length.message


def test_glossary_term_missing_and_protected_term_changed():
    terms = [Term("terminal", "overslagterminal"), Term("Maasvlakte", "Maasvlakte")]
    source = p("The second terminal is on the Maasvlakte.")
    good = p("De tweede Overslagterminal ligt op de Maasvlakte.")
    assert check_block(0, source, good, "en", "nl", glossary_terms=terms) == []
    bad = p("De tweede terminal ligt op de maasvlakte.")
    checks = check_block(0, source, bad, "en", "nl", glossary_terms=terms)
    assert [c.to_dict() for c in checks] == [
        {"kind": "glossary", "block": 0,
         "message": "glossary term 'terminal' should be translated as 'overslagterminal'"},
        {"kind": "protected", "block": 0,
         "message": "protected term 'Maasvlakte' changed or missing in translation"},
    ]


def test_article_with_different_block_counts_is_refused():
    with pytest.raises(ValueError):
        check_article(SOURCE, DUTCH[:-1], "en", "nl")


def test_a_long_reference_list_finds_the_one_changed_number():
    """Hundreds of numbers in one block (a reference list): each pairs with its equal, and
    the one that changed is reported from both sides."""
    from pipeline.checks.numbers import extract_numbers, unmatched_numbers

    years = [str(1700 + n) for n in range(600)]
    source = ", ".join(f"page {n} ({year})" for n, year in enumerate(years))
    translated = source.replace("(1850)", "(1851)").replace("page", "pagina")
    missing, extra = unmatched_numbers(extract_numbers(source), extract_numbers(translated))
    assert [t.text for t in missing] == ["1850"]
    assert [t.text for t in extra] == ["1851"]
