"""Traces a translation engine leaves in its output: unknown-word marks and mangled codes.

Apertium marks a word it could not translate with ``*`` (unknown to the analyser), ``@``
(missing from the bilingual dictionary) or ``#`` (no surface form generated); other engines
write ``<unk>`` or ``[UNK]``. Engines also tear codes apart (``0x08`` becomes ``0 x08``).
Both are plain-text functions so the reviewer checks can run them on any block pair.
"""

from __future__ import annotations

import re

# A mark glued to the start of a word, not inside one: "info@example.org" and "C#" are not
# marks. Hashtags and @mentions are legitimate when the source has them too (see below).
_MARKED_WORD = re.compile(r"(?<![\w#*@])([#*@])([^\W\d_][\w'’-]*)")
_UNKNOWN_TOKENS = re.compile(r"<unk>|\[UNK\]|\[unk\]", re.IGNORECASE)
# A token with a digit in it that an engine may split: "0x08", "B737", "1.2.3", "3:45".
_CODE = re.compile(r"(?<![\w.,:/])(?=[\w.,:/]*\d)[\w][\w.,:/]*[\w](?![\w/])")
# A number glued to its unit ("35mm", "2.4Ghz", "70km/h"): a space before the unit is a
# style many languages require, not a tear.
_NUMBER_UNIT = re.compile(r"([\d.,]*\d)\s*([^\W\d_]+(?:/[^\W\d_]+)*)")


def marked_words(source: str, translated: str) -> list[str]:
    """Engine-marked words of ``translated`` (``*casa``, ``@foo``, ``#bar``) absent from ``source``."""
    found: list[str] = []
    for match in _MARKED_WORD.finditer(translated):
        token = match.group()
        if token in source or token in found:
            continue
        found.append(token)
    for match in _UNKNOWN_TOKENS.finditer(translated):
        token = match.group()
        if token not in source and token not in found:
            found.append(token)
    return found


def split_codes(source: str, translated: str) -> list[tuple[str, str]]:
    """Codes and numbers of ``source`` that ``translated`` has only with spaces pushed in.

    Returns ``(as in the source, as in the translation)`` pairs. A token rewritten in another
    way ("1,000" as "1 000", "21st" as "21.º") is a locale's convention, not a tear, and is
    left to the numbers check.
    """
    pairs: list[tuple[str, str]] = []
    for match in _CODE.finditer(source):
        token = match.group()
        if len(token) < 2 or re.search(rf"(?<![\w.,:/]){re.escape(token)}(?![\w/])", translated):
            continue
        torn = r"\s*".join(re.escape(char) for char in token)
        found = re.search(rf"(?<![\w.,:/]){torn}(?![\w/])", translated)
        if found and _NUMBER_UNIT.fullmatch(token) and _NUMBER_UNIT.fullmatch(found.group()) \
                and not re.search(r"\s", _NUMBER_UNIT.fullmatch(found.group()).group(1)):
            continue
        if found and found.group() != token and (token, found.group()) not in pairs:
            pairs.append((token, found.group()))
    return pairs
