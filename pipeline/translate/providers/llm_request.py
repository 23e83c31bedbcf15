"""The chat request a language model gets for one pack of segments.

The segments travel as JSON, each with an id, in the placeholder form the other providers
get (``<x1>…</x1>``, ``<x2/>``, text HTML-escaped), so the answer can be matched to them id
by id and its markup checked exactly like theirs. The article title, the paragraph before
the pack and the glossary go along as context; the team's own instructions are added last.
The same request, byte for byte, is what the budget counts, so it is built before sending.
"""

from __future__ import annotations

import hashlib
import html
import json
from dataclasses import dataclass

from pipeline.languages import primary_subtag
from pipeline.translate.context import ArticleContext

# Raise when the wording of the instructions changes: the translation memory keys on it.
INSTRUCTIONS_VERSION = "1"
LANGUAGE_NAMES = {
    "ar": "Arabic", "ca": "Catalan", "cs": "Czech", "da": "Danish", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "fi": "Finnish", "fr": "French",
    "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "id": "Indonesian", "it": "Italian",
    "ja": "Japanese", "ko": "Korean", "nl": "Dutch", "no": "Norwegian", "pl": "Polish",
    "pt": "Portuguese", "ro": "Romanian", "ru": "Russian", "sv": "Swedish", "tr": "Turkish",
    "uk": "Ukrainian", "zh": "Chinese",
}
ANSWER_SCHEMA = {
    "type": "object",
    "properties": {"translations": {"type": "array", "items": {
        "type": "object",
        "properties": {"id": {"type": "string"}, "text": {"type": "string"}},
        "required": ["id", "text"], "additionalProperties": False}}},
    "required": ["translations"],
    "additionalProperties": False,
}
RESPONSE_FORMAT = {"type": "json_schema",
                   "json_schema": {"name": "translations", "strict": True,
                                   "schema": ANSWER_SCHEMA}}

_RULES = """\
You translate news articles for a newsroom{pair}.
The user sends a JSON object: "title" is the article's title and "context" the text just \
before these segments (both only to understand the text; do not translate them); \
"segments" is a list of {{"id", "text"}} to translate.
Rules:
1. Translate the "text" of every segment completely and faithfully: same meaning, names, \
quotes and tone. Answer every id exactly once and no other id.
2. Tags like <x1>...</x1> and <x2/> mark links, emphasis and other markup. Keep each tag \
exactly once, properly nested, around the words that correspond in your translation. Never \
add, drop, change or translate a tag.
3. Keep every number, date, amount and figure exactly (digits as in the source).
4. The text is HTML-escaped (&amp; &lt; &gt;); keep it escaped.
5. Reply with only the JSON object {{"translations": [{{"id": "...", "text": "..."}}]}}: no \
preamble, no explanation, no notes, no code fences, no line breaks inside a text."""
_STRICT = """
Your earlier answer for this segment broke these rules and was rejected. Follow every rule \
exactly; answer with the JSON object only."""


def language_name(code: str) -> str:
    """``"es"`` -> ``"Spanish"``; unknown codes stay as they are."""
    return LANGUAGE_NAMES.get(primary_subtag(code), code)


def instructions(source: str, target: str, glossary: tuple[tuple[str, str], ...] = (),
                 extra: str = "", strict: bool = False) -> str:
    """The system message: the rules, the glossary for the pair, the team's own style."""
    if source == "auto":
        pair = f" into {language_name(target)}"
    else:
        pair = f" from {language_name(source)} into {language_name(target)}"
    text = _RULES.format(pair=pair)
    if glossary:
        lines = "\n".join(f'- "{term}" -> "{required}"' if term != required
                          else f'- "{term}" stays "{term}"' for term, required in glossary)
        text += f"\nGlossary: always translate these terms as given:\n{lines}"
    if extra.strip():
        text += f"\nHouse style:\n{extra.strip()}"
    if strict:
        text += _STRICT
    return text


def instructions_fingerprint(extra: str) -> str:
    """What of the instructions decides the output, hashed: their version and house style."""
    return hashlib.sha256(f"{INSTRUCTIONS_VERSION}\x1f{extra.strip()}".encode()).hexdigest()[:16]


@dataclass(frozen=True)
class ChatRequest:
    """The messages of one request and the ids its segments got, in order."""

    messages: list[dict[str, str]]
    ids: list[str]

    @property
    def chars(self) -> int:
        """Characters sent: what the daily budget counts for this request."""
        return sum(len(message["content"]) for message in self.messages)


def build_request(texts: list[str], source: str, target: str,
                  context: ArticleContext | None = None, extra: str = "",
                  strict: bool = False) -> ChatRequest:
    """The request for ``texts`` (placeholder form); ids are "1", "2", ... in pack order."""
    context = context or ArticleContext()
    ids = [str(number) for number in range(1, len(texts) + 1)]
    payload: dict[str, object] = {}
    if context.title and html.escape(context.title, quote=False) not in texts:
        payload["title"] = context.title
    before = context.preceding.get(texts[0], "") if texts else ""
    if before:
        payload["context"] = before
    payload["segments"] = [{"id": ident, "text": text} for ident, text in zip(ids, texts)]
    messages = [
        {"role": "system", "content": instructions(source, target, context.glossary, extra,
                                                   strict)},
        {"role": "user", "content": json.dumps(payload, ensure_ascii=False)},
    ]
    return ChatRequest(messages, ids)
