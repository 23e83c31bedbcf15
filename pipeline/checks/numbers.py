"""Numbers in running text, read the way each locale writes them, and matched across languages.

``1,450`` (en), ``1.450`` (es, nl), ``1 450`` (fr) and ``1450`` are one number; ``3.2`` and
``3,2`` are another. A token whose reading is ambiguous (``1,450`` is 1450 in English and 1.45
in Spanish) carries every reading, and two tokens match when they share one. ``1.5 billion``
also reads as ``1500 millones``. A number one side writes as a word (``three``/``tres``, or a
Roman numeral for a century) is not reported missing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from pipeline.languages import primary_subtag

_SPACES = " \u00a0\u202f\u2009"
# Digit groups joined by one separator; a space only joins a following group of 3 digits.
_NUMBER = re.compile(rf"\d+(?:(?:[.,'’]|[{_SPACES}](?=\d{{3}}(?!\d)))\d+)*")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_SQUARED = re.compile(r"(?<=[a-z]m)[23](?!\d)")  # km2, m3: an exponent, not a number
# Clock times: 7:19, 10h30, 15.00 UTC, 1200 GMT, with an optional a.m./p.m.
_TIME = re.compile(
    r"(?<![\d.,:])(\d{1,2})(?:[:h](\d{2})|\.(\d{2})(?=\s*(?:[ap]\.?\s?m\b|h\b|hrs?\b|uur\b|UTC|GMT))"
    r"|(\d{2})(?=\s*(?:GMT|UTC|hours\b|hrs\b)))(?!\d)(\s*(?:a\.?\s?m\.?|p\.?\s?m\.?)(?!\w))?",
    re.IGNORECASE,
)
_DECADE = re.compile(r"\s*['’]?s(?!\w)")
# Units a translator converts, with the factor to the other system.
_UNITS = {
    "mile": 1.609344, "miles": 1.609344, "mi": 1.609344, "mph": 1.609344,
    "foot": 0.3048, "feet": 0.3048, "ft": 0.3048, "inch": 2.54, "inches": 2.54,
    "yard": 0.9144, "yards": 0.9144, "pound": 0.45359, "pounds": 0.45359, "lb": 0.45359,
    "lbs": 0.45359, "gallon": 3.785, "gallons": 3.785, "acre": 0.4047, "acres": 0.4047,
    "km": 0.621371, "kilometres": 0.621371, "kilometers": 0.621371, "kilómetros": 0.621371,
    "quilòmetres": 0.621371, "kilometer": 0.621371, "kilómetro": 0.621371,
    "m": 3.28084, "metres": 3.28084, "meters": 3.28084, "metros": 3.28084,
    "cm": 0.393701, "kg": 2.20462, "kilos": 2.20462, "kilograms": 2.20462, "kilogramos": 2.20462,
    "quilos": 2.20462, "litres": 0.264172, "liters": 0.264172, "litros": 0.264172,
    "ha": 2.471, "hectares": 2.471, "hectáreas": 2.471, "hectàrees": 2.471,
    "km²": 0.386102, "km2": 0.386102,
}
_UNIT_AFTER = re.compile(
    r"\s*(" + "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
    + r")(?!\w)(?:\s*(?:/|per|por|an?)\s*(?:h|hour|hora))?", re.IGNORECASE)
_TEMPERATURE = re.compile(r"\s*°\s*([CF])(?!\w)")
_OPENS_CONVERSION = re.compile(r"\d\s*[^\W\d_²]{1,12}\.?\s*[(\[]\s*$")
_ROMAN = re.compile(r"(?<!\w)M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})(?!\w)")

# Words that follow a number and scale it; longest first so "mil millones" beats "mil".
_SCALES = {
    "thousand": 10**3, "thousands": 10**3, "mil": 10**3, "duizend": 10**3, "mille": 10**3,
    "tausend": 10**3, "k": 10**3,
    "million": 10**6, "millions": 10**6, "millón": 10**6, "millones": 10**6, "milió": 10**6,
    "milions": 10**6, "miljoen": 10**6, "miljoenen": 10**6, "millionen": 10**6,
    "milhão": 10**6, "milhões": 10**6, "milione": 10**6, "milioni": 10**6, "mln": 10**6,
    "billion": 10**9, "billions": 10**9, "bn": 10**9, "mil millones": 10**9,
    "mil milions": 10**9, "miljard": 10**9, "miljarden": 10**9, "milliard": 10**9,
    "milliards": 10**9, "milliarde": 10**9, "milliarden": 10**9, "bilhão": 10**9,
    "bilhões": 10**9, "miliardo": 10**9, "miliardi": 10**9, "mld": 10**9,
    "trillion": 10**12, "billón": 10**12, "billones": 10**12, "bilió": 10**12,
    "bilions": 10**12, "biljoen": 10**12, "billiarde": 10**15,
}
_SCALE_AFTER = re.compile(
    r"\s*(" + "|".join(sorted((re.escape(w) for w in _SCALES), key=len, reverse=True)) + r")(?!\w)",
    re.IGNORECASE,
)


def _words(spec: str) -> dict[str, int]:
    """``"0 zero cero|1 one"`` -> {"zero": 0, "cero": 0, "one": 1}."""
    table: dict[str, int] = {}
    for entry in spec.split("|"):
        value, *words = entry.split()
        for word in words:
            table[word] = int(value)
    return table


# Cardinals and ordinals a writer may spell out instead of digits.
NUMBER_WORDS: dict[str, dict[str, int]] = {
    "en": _words(
        "0 zero no none|1 one a an first once single|2 two second twice both pair double"
        "|3 three third thrice triple|4 four fourth quarter|5 five fifth|6 six sixth|7 seven seventh"
        "|8 eight eighth|9 nine ninth|10 ten tenth decade|11 eleven eleventh|12 twelve twelfth dozen"
        "|13 thirteen|14 fourteen|15 fifteen|16 sixteen|17 seventeen|18 eighteen|19 nineteen"
        "|20 twenty twentieth|30 thirty|40 forty|50 fifty half|60 sixty|70 seventy|80 eighty"
        "|90 ninety|100 hundred century|1000 thousand"
    ),
    "es": _words(
        "0 cero ningún ninguno ninguna|1 uno una un primero primera primer|2 dos segundo segunda"
        " ambos ambas par doble|3 tres tercero tercera tercer triple|4 cuatro cuarto cuarta"
        "|5 cinco quinto quinta|6 seis sexto sexta|7 siete séptimo séptima|8 ocho octavo octava"
        "|9 nueve noveno novena|10 diez décimo décima década|11 once|12 doce docena|13 trece"
        "|14 catorce|15 quince|16 dieciséis|17 diecisiete|18 dieciocho|19 diecinueve|20 veinte"
        "|21 veintiuno veintiún|22 veintidós|30 treinta|40 cuarenta|50 cincuenta mitad|60 sesenta"
        "|70 setenta|80 ochenta|90 noventa|100 cien ciento siglo|1000 mil|23 veintitrés"
        "|24 veinticuatro|25 veinticinco|26 veintiséis|27 veintisiete|28 veintiocho"
        "|29 veintinueve|200 doscientos doscientas|300 trescientos trescientas"
        "|400 cuatrocientos|500 quinientos quinientas|600 seiscientos|700 setecientos"
        "|800 ochocientos|900 novecientos"
    ),
    "ca": _words(
        "0 zero cap|1 un u una primer primera|2 dos dues segon segona ambdós ambdues doble"
        "|3 tres tercer tercera triple|4 quatre quart quarta|5 cinc cinquè cinquena|6 sis sisè"
        "|7 set setè|8 vuit vuitè|9 nou novè|10 deu desè dècada|11 onze|12 dotze dotzena"
        "|13 tretze|14 catorze|15 quinze|16 setze|17 disset|18 divuit|19 dinou|20 vint|30 trenta"
        "|40 quaranta|50 cinquanta meitat|60 seixanta|70 setanta|80 vuitanta|90 noranta"
        "|100 cent cents segle|1000 mil"
    ),
    "nl": _words(
        "0 nul geen|1 een één eerste enkel|2 twee tweede beide dubbel|3 drie derde driedubbel"
        "|4 vier vierde kwart|5 vijf vijfde|6 zes zesde|7 zeven zevende|8 acht achtste"
        "|9 negen negende|10 tien tiende decennium|11 elf|12 twaalf dozijn|13 dertien|14 veertien"
        "|15 vijftien|16 zestien|17 zeventien|18 achttien|19 negentien|20 twintig|30 dertig"
        "|40 veertig|50 vijftig helft half|60 zestig|70 zeventig|80 tachtig|90 negentig"
        "|100 honderd eeuw|1000 duizend"
    ),
    "fr": _words(
        "0 zéro aucun aucune|1 un une premier première|2 deux deuxième second seconde double"
        "|3 trois troisième triple|4 quatre quatrième quart|5 cinq cinquième|6 six sixième"
        "|7 sept septième|8 huit huitième|9 neuf neuvième|10 dix dixième décennie|11 onze"
        "|12 douze douzaine|13 treize|14 quatorze|15 quinze|16 seize|20 vingt|30 trente"
        "|40 quarante|50 cinquante moitié|60 soixante|100 cent siècle|1000 mille"
    ),
    "de": _words(
        "0 null kein keine|1 ein eine einer eins erste ersten|2 zwei zweite beide doppelt"
        "|3 drei dritte dreifach|4 vier vierte viertel|5 fünf fünfte|6 sechs sechste|7 sieben"
        "|8 acht achte|9 neun neunte|10 zehn zehnte jahrzehnt|11 elf|12 zwölf dutzend"
        "|20 zwanzig|30 dreißig|50 fünfzig hälfte halb|100 hundert jahrhundert|1000 tausend"
    ),
    "pt": _words(
        "0 zero nenhum nenhuma|1 um uma primeiro primeira|2 dois duas segundo segunda ambos"
        "|3 três terceiro terceira|4 quatro quarto|5 cinco quinto|6 seis sexto|7 sete sétimo"
        "|8 oito oitavo|9 nove nono|10 dez décimo década|11 onze|12 doze dúzia|20 vinte"
        "|30 trinta|50 cinquenta metade|100 cem cento século|1000 mil"
    ),
    "it": _words(
        "0 zero nessun nessuno|1 uno una un primo prima|2 due secondo seconda entrambi doppio"
        "|3 tre terzo terza|4 quattro quarto|5 cinque quinto|6 sei sesto|7 sette settimo"
        "|8 otto ottavo|9 nove nono|10 dieci decimo decennio|11 undici|12 dodici dozzina"
        "|20 venti|30 trenta|50 cinquanta metà|100 cento secolo|1000 mille"
    ),
}
_ALL_WORDS: dict[str, set[int]] = {}
for _table in NUMBER_WORDS.values():
    for _word, _value in _table.items():
        _ALL_WORDS.setdefault(_word, set()).add(_value)


@dataclass(frozen=True)
class NumberToken:
    """A number as written (``text``) and every value it can stand for in some locale.

    ``approx`` holds the value converted to the other unit system (miles -> km), which a
    translator may write rounded; ``optional`` marks a conversion in parentheses ("20 km
    (15 miles)") that a translation may leave out.
    """

    text: str
    values: frozenset[Any]
    approx: tuple[Decimal, ...] = ()
    optional: bool = False

    def matches(self, other: NumberToken, approximate: bool = False) -> bool:
        """Whether both can be the same number (``approximate``: after a unit conversion)."""
        if self.values & other.values:
            return True
        if not approximate:
            return False
        return any(_close(a, v) for a in self.approx for v in other.values
                   if isinstance(v, Decimal)) or any(
            _close(a, v) for a in other.approx for v in self.values if isinstance(v, Decimal))


def _close(expected: Decimal, written: Decimal) -> bool:
    return abs(written - expected) <= abs(expected) * Decimal("0.08")


def _readings(token: str) -> set[Decimal] | None:
    """The values of ``token`` under the locale conventions; None if it is no single number."""
    parts = re.split(rf"([.,'’{_SPACES}])", token)
    groups, seps = parts[0::2], parts[1::2]
    if not seps:
        return {Decimal(token)}
    readings: set[Decimal] = set()

    def grouped(gs: list[str], ss: list[str]) -> bool:
        return (len(set(ss)) == 1 and 1 <= len(gs[0]) <= 3
                and all(len(g) == 3 for g in gs[1:]))

    if grouped(groups, seps):
        readings.add(Decimal("".join(groups)))
    last = seps[-1]
    if last in ".," and (len(seps) == 1 or (grouped(groups[:-1], seps[:-1]) and seps[0] != last)):
        readings.add(Decimal(f"{''.join(groups[:-1])}.{groups[-1]}"))
    return readings or None


def _times(text: str) -> tuple[list[NumberToken], str]:
    """Clock times as minutes of the day, and the text with them blanked out."""
    tokens = []
    for match in _TIME.finditer(text):
        hour = int(match.group(1))
        minute = int(match.group(2) or match.group(3) or match.group(4))
        if hour > 24 or minute > 59:
            continue
        marker = (match.group(5) or "").strip().lower()[:1]
        if marker == "a":
            hours = {hour % 12}
        elif marker == "p":
            hours = {hour % 12 + 12}
        else:
            hours = {hour, (hour + 12) % 24} if hour <= 12 else {hour % 24}
        values = frozenset(("time", h * 60 + minute) for h in hours)
        tokens.append(NumberToken(match.group().strip(), values))
        text = text[:match.start()] + " " * (match.end() - match.start()) + text[match.end():]
    return tokens, text


def extract_numbers(text: str) -> list[NumberToken]:
    """Every number written with digits in ``text``, with its possible values."""
    tokens, text = _times(text)
    text = _SQUARED.sub(" ", text)
    for match in _NUMBER.finditer(text):
        raw = match.group()
        readings = _readings(raw)
        if readings is None:
            # Not one number in any locale (a date 12.03.2020, a version 1.2.3): its parts.
            tokens.extend(NumberToken(p, frozenset({Decimal(p)}))
                          for p in re.split(rf"[.,'’{_SPACES}]", raw))
            continue
        scale = _SCALE_AFTER.match(text, match.end())
        if scale:
            factor = _SCALES[" ".join(scale.group(1).lower().split())]
            readings |= {value * factor for value in readings}
        if _DECADE.match(text, match.end()):
            # "the 1960s" is "los años 60"; "the 1800s" is "el siglo XIX".
            for value in list(readings):
                if value == value.to_integral_value() and value >= 100 and value % 10 == 0:
                    readings.add(value % 100)
                    if value % 100 == 0:
                        readings.add(value // 100 + 1)
        approx: tuple[Decimal, ...] = ()
        unit = _UNIT_AFTER.match(text, match.end())
        temperature = _TEMPERATURE.match(text, match.end())
        if unit:
            factor = Decimal(str(_UNITS[unit.group(1).lower()]))
            approx = tuple(value * factor for value in readings)
        elif temperature:
            approx = tuple(
                (v - 32) * 5 / 9 if temperature.group(1) == "F" else v * 9 / 5 + 32
                for v in readings
            )
        optional = bool((unit or temperature) and _OPENS_CONVERSION.search(text, 0, match.start()))
        tokens.append(NumberToken(raw, frozenset(readings), approx, optional))
    return tokens


def spelled_values(text: str, lang: str) -> set[Decimal]:
    """Values written as words (in ``lang``, or any known language) or as Roman numerals.

    Compounds count too: "thirty-six", "treinta y seis", "vint-i-nou", "doscientos".
    """
    table = NUMBER_WORDS.get(primary_subtag(lang))

    def lookup(word: str) -> set[int]:
        for form in (word, word[:-1] if word.endswith("s") else "",
                     word[:-2] if word.endswith("es") else ""):
            if not form:
                continue
            if table is not None and form in table:
                return {table[form]}
            if table is None and form in _ALL_WORDS:
                return _ALL_WORDS[form]
        return set()

    values: set[Decimal] = set()
    previous: set[int] = set()
    joiner = False
    for word in _WORD.findall(text.lower()):
        parts = [p for p in word.split("-") if p not in ("i", "y", "and", "en")]
        found = [lookup(part) for part in parts]
        if all(found) and found:
            total = set(found[0])
            for part_values in found[1:]:
                total = {a + b if b < a else a * b for a in total for b in part_values}
            if joiner:  # "treinta y seis", "thirty and six"
                total |= {a + b for a in previous for b in total if b < 10 <= a}
            values.update(Decimal(v) for v in total | {v for f in found for v in f})
            previous, joiner = total, False
        elif any(found):  # "three-dimensional", "vint-i-tres-anys"
            values.update(Decimal(v) for f in found for v in f)
            previous, joiner = set(), False
        elif previous and word in ("y", "i", "and", "en", "e"):
            joiner = True
        else:
            previous, joiner = set(), False
    for match in _ROMAN.finditer(text):
        # A lone "I" is a pronoun or a letter; "X" and "V" are centuries (siglo X).
        if len(match.group()) >= 2 or match.group() in ("X", "V"):
            values.add(Decimal(_roman_value(match.group())))
    return values


def _roman_value(numeral: str) -> int:
    digits = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    for char, following in zip(numeral, numeral[1:] + " "):
        value = digits[char]
        total += -value if digits.get(following, 0) > value else value
    return total


def unmatched_numbers(
    source: list[NumberToken], translated: list[NumberToken]
) -> tuple[list[NumberToken], list[NumberToken]]:
    """The tokens of each side that no token of the other side can stand for.

    A maximum bipartite matching, so an ambiguous token never steals the only partner of
    another one. Exact readings are matched first; a unit conversion ("15 miles" ~ "24 km")
    may only pair what is left, so a changed number never hides behind a conversion.
    """
    partner_of: dict[int, int] = {}  # translated index -> source index
    # Numbers with one reading pair up with an equal one first, in linear time: in some
    # maximum matching they are partners anyway (an exchange argument), and this keeps a
    # block of hundreds of numbers (a reference list) from costing seconds below.
    single: dict[Any, list[int]] = {}
    for j in reversed(range(len(translated))):
        if len(translated[j].values) == 1:
            single.setdefault(next(iter(translated[j].values)), []).append(j)
    for i, token in enumerate(source):
        if len(token.values) == 1 and single.get(value := next(iter(token.values))):
            partner_of[single[value].pop()] = i

    def assign(i: int, seen: set[int], approximate: bool) -> bool:
        for j, candidate in enumerate(translated):
            if j in seen or not source[i].matches(candidate, approximate):
                continue
            seen.add(j)
            if j not in partner_of or assign(partner_of[j], seen, approximate):
                partner_of[j] = i
                return True
        return False

    # An augmenting path keeps every matched source token matched: this set only grows.
    matched = set(partner_of.values())
    for approximate in (False, True):
        for i in range(len(source)):
            # Approximate pairs may only take what exact matching left free.
            if i not in matched and assign(i, set(partner_of) if approximate else set(),
                                           approximate):
                matched.add(i)
    return ([t for i, t in enumerate(source) if i not in matched and not t.optional],
            [t for j, t in enumerate(translated) if j not in partner_of and not t.optional])
