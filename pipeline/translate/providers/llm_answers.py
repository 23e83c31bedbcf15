"""Checking a language model's answer before any of it is used.

Models lose tags, open with "Here is the translation:", add notes, skip or merge segments,
rewrite figures and sometimes answer in the wrong language, all with HTTP 200. So an answer
is read strictly: one JSON object and nothing around it, every id asked for answered once
and no other, and each segment's text then held to the same account as any provider's
(placeholders back exactly once and properly nested, numbers kept, no text beside the
translation, the target language). A failing segment is refused, never repaired.
"""

from __future__ import annotations

import html
import json
import re
from collections import Counter

from pipeline import language_id
from pipeline.checks.numbers import extract_numbers, spelled_values, unmatched_numbers
from pipeline.languages import primary_subtag
from pipeline.translate.acceptance import unacceptable
from pipeline.translate.markup import strip_placeholders

_PLACEHOLDER = re.compile(r"<\s*(/?)\s*x\s*(\d+)\s*(/?)\s*>", re.I)
_FENCE = re.compile(r"^```(?:json)?\s*(.*?)\s*```$", re.S | re.I)
_LETTER = re.compile(r"[^\W\d_]")
# How models open an answer or annotate it, in the languages newsrooms work in most.
_PREAMBLE = re.compile(
    r"^\W*(?:here|sure|certainly|of course|okay|translat|traduc|tradu[zç]|übersetz|vertal"
    r"|aquí|voici|hier is|ecco|claro|bien sûr)[^:]{0,80}:", re.I)
_NOTE = re.compile(r"\b(?:note|nota|remarque|anmerkung|opmerking|n\.b)\b\.?\s*:", re.I)
# Below this many letters a language identifier guesses; above it, and this sure, it is right.
LANGID_MIN_LETTERS = 40
LANGID_MIN_PROBABILITY = 0.9


class AnswerInvalid(Exception):
    """The answer as a whole cannot be read: every segment of the request is refused."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_answer(content: str, ids: list[str]) -> dict[str, str | None]:
    """Each asked id's text, or None for an id not answered exactly once.

    Raises AnswerInvalid for text outside the JSON, invalid JSON, the wrong shape, or ids
    that were not asked (the model lost track of which text is which).
    """
    text = content.strip()
    fenced = _FENCE.match(text)  # a code fence is packaging, not text of its own
    if fenced:
        text = fenced.group(1)
    start = text.find("{")
    if start < 0:
        raise AnswerInvalid("no JSON object in the answer")
    try:
        data, end = json.JSONDecoder().raw_decode(text, start)
    except json.JSONDecodeError as error:
        raise AnswerInvalid(f"invalid JSON ({error.msg})") from None
    if start > 0 or text[end:].strip():
        raise AnswerInvalid("text outside the JSON answer (a preamble or a note)")
    items = data.get("translations") if isinstance(data, dict) else None
    if not isinstance(items, list) or not all(
            isinstance(item, dict) and isinstance(item.get("text"), str) for item in items):
        raise AnswerInvalid('not the {"translations": [{"id", "text"}]} answer asked for')
    answered = [str(item.get("id")) for item in items]
    unknown = sorted(set(answered) - set(ids))
    if unknown:
        raise AnswerInvalid(f"answered ids that were not asked: {', '.join(unknown[:5])}")
    counts = Counter(answered)
    texts = {str(item.get("id")): item["text"] for item in items}
    return {ident: texts[ident] if counts[ident] == 1 else None for ident in ids}


def segment_problem(sent: str, answer: str, source: str, target: str) -> str | None:
    """Why ``answer`` is no usable translation of ``sent`` (both placeholder form), or None."""
    refused = unacceptable(sent, answer)
    if refused:
        return {"empty": "empty translation", "echo": "the source came back untranslated",
                "quota": "a quota warning instead of a translation"}.get(refused, refused)
    if "\n" in answer.strip() or _added_label(sent, answer):
        return "text beside the translation (a preamble or a note)"
    return (placeholder_problem(sent, answer) or number_problem(sent, answer, source, target)
            or language_problem(answer, source, target))


def _plain(text: str) -> str:
    return " ".join(html.unescape(strip_placeholders(text, is_html=True)).split())


def _added_label(sent: str, answer: str) -> bool:
    """A "Translation:", "Here is ...:" or "Note:" the source does not have.

    Only a colon the source lacks, led by such words, counts: French and German put colons
    before quotes where English has commas ("Sie sagte: ..."), and that is translation.
    """
    plain_sent, plain_answer = _plain(sent), _plain(answer)
    if plain_answer.count(":") <= plain_sent.count(":"):
        return False
    return bool(_PREAMBLE.match(plain_answer) or _NOTE.search(plain_answer))


def placeholder_problem(sent: str, answer: str) -> str | None:
    """Every placeholder of ``sent`` back exactly once, paired ones nested as tags must be."""
    paired = {int(m.group(2)) for m in _PLACEHOLDER.finditer(sent) if not m.group(3)
              and not m.group(1)}
    void = {int(m.group(2)) for m in _PLACEHOLDER.finditer(sent) if m.group(3)}
    opened: Counter[int] = Counter()
    seen_void: Counter[int] = Counter()
    stack: list[int] = []
    for match in _PLACEHOLDER.finditer(answer):
        closing, ident, self_closing = match.group(1), int(match.group(2)), match.group(3)
        if ident not in paired and ident not in void:
            return f"placeholder <x{ident}> is not in the source"
        if ident in void:
            if closing or not self_closing:
                return f"placeholder <x{ident}/> written as a pair"
            seen_void[ident] += 1
        elif closing:
            if not stack or stack[-1] != ident:
                return f"placeholder </x{ident}> closes out of order"
            stack.pop()
        else:
            if self_closing:
                return f"placeholder <x{ident}> written as a single tag"
            opened[ident] += 1
            stack.append(ident)
    if stack:
        return f"placeholder <x{stack[-1]}> is not closed"
    for ident in sorted(paired | void):
        count = opened[ident] if ident in paired else seen_void[ident]
        if count != 1:
            what = "missing" if count == 0 else f"there {count} times"
            return f"placeholder <x{ident}> {what}"
    return None


def number_problem(sent: str, answer: str, source: str, target: str) -> str | None:
    """The reviewer's number check, on this segment: each figure kept (or spelled out)."""
    plain_sent, plain_answer = _plain(sent), _plain(answer)
    missing, extra = unmatched_numbers(extract_numbers(plain_sent), extract_numbers(plain_answer))
    if missing:
        spelled = spelled_values(plain_answer, target)
        missing = [token for token in missing if not (token.values & spelled)]
    if extra and source != "auto":
        spelled = spelled_values(plain_sent, source)
        extra = [token for token in extra if not (token.values & spelled)]
    if missing:
        return f"number {missing[0].text} missing"
    if extra:
        return f"number {extra[0].text} is not in the source"
    return None


def language_problem(answer: str, source: str, target: str) -> str | None:
    """The answer is in another language than ``target``, as far as one can be sure."""
    plain = _plain(answer)
    if len(_LETTER.findall(plain)) < LANGID_MIN_LETTERS:
        return None
    wanted = primary_subtag(target)
    if not language_id.known(wanted):
        return None  # a language the identifier does not know cannot be told apart
    ranked = language_id.ranked(plain)
    best = max(ranked, key=ranked.__getitem__)
    if best != wanted and ranked[best] >= LANGID_MIN_PROBABILITY:
        return f"answered in {best}, not {wanted}"
    return None
