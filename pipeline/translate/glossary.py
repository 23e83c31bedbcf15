"""The team's glossary: required translations and protected terms per target language.

Terms are masked as placeholder tags (``<g1/>``, ``<g2/>``, ...) before a segment is sent, so
every provider leaves them alone, and the required translation is put back afterwards. The
placeholders are numbered apart from the translator's inline-markup placeholders (``<xN>``).
"""

from __future__ import annotations

import hashlib
import html
import json
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.errors import PermanentError
from pipeline.languages import normalize_tag, primary_subtag

# Anything in <...> is opaque: real tags, the translator's <xN> placeholders, comments.
_TAG = re.compile(r"<!--.*?-->|<[^>]*>", re.DOTALL)
_PLACEHOLDER = re.compile(r"<\s*(g\d+)\s*/\s*>|<\s*(g\d+)\s*>\s*<\s*/\s*\2\s*>", re.IGNORECASE)


class GlossaryError(PermanentError):
    """The glossary file cannot be used: unreadable, not TOML, or not the expected shape."""


@dataclass(frozen=True)
class Term:
    """One glossary entry for one target language."""

    source: str
    target: str

    @property
    def protected(self) -> bool:
        """A term mapped to itself must reach the translation unchanged."""
        return self.source == self.target

    @property
    def pattern(self) -> re.Pattern[str]:
        """Case-insensitive, word-bounded match of the term in text or inline-HTML text."""
        return term_pattern(self.source)


def term_pattern(phrase: str) -> re.Pattern[str]:
    """A regex for ``phrase`` on Unicode word boundaries, any run of spaces between words.

    Characters that HTML escapes (``&``, ``<``, ``>``) also match their entity, and a space
    also matches ``&nbsp;``, so the same pattern works on plain text and on inline HTML text.
    """
    return _compiled_pattern(phrase)


_PATTERN_CACHE: dict[str, re.Pattern[str]] = {}


def _compiled_pattern(phrase: str) -> re.Pattern[str]:
    pattern = _PATTERN_CACHE.get(phrase)
    if pattern is None:
        parts = []
        for word in phrase.split():
            parts.append("".join(_char_pattern(char) for char in word))
        body = r"(?:\s|&nbsp;|&#160;|&#xa0;)+".join(parts)
        pattern = re.compile(rf"(?<!\w){body}(?!\w)", re.IGNORECASE)
        _PATTERN_CACHE[phrase] = pattern
    return pattern


def _char_pattern(char: str) -> str:
    escaped = html.escape(char, quote=False)
    if escaped != char:
        return f"(?:{re.escape(char)}|{re.escape(escaped)})"
    return re.escape(char)


@dataclass(frozen=True)
class Masked:
    """A segment with glossary terms swapped for placeholder tags, and what each one stands for."""

    text: str
    replacements: dict[str, str] = field(default_factory=dict)  # "g1" -> HTML to put back

    @property
    def placeholders(self) -> tuple[str, ...]:
        return tuple(f"<{name}/>" for name in self.replacements)


@dataclass(frozen=True)
class Glossary:
    """Terms per target language, loaded from the TOML file named by ``glossary_file``."""

    terms: dict[str, tuple[Term, ...]] = field(default_factory=dict)
    version: str = ""  # stable hash of the content; part of translation-memory keys

    @classmethod
    def empty(cls) -> Glossary:
        """No terms; what runs use when no glossary file is configured."""
        return cls()

    @classmethod
    def load(cls, path: str | Path) -> Glossary:
        """Read and validate a glossary file; raise :class:`GlossaryError` naming the file."""
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise GlossaryError(f"glossary {path}: cannot be read ({exc.strerror or exc})") from exc
        except UnicodeDecodeError as exc:
            raise GlossaryError(f"glossary {path}: not UTF-8 text") from exc
        except tomllib.TOMLDecodeError as exc:
            raise GlossaryError(f"glossary {path}: invalid TOML: {exc}") from exc
        return cls.from_mapping(data, origin=str(path))

    @classmethod
    def from_mapping(cls, data: dict[str, object], origin: str = "<mapping>") -> Glossary:
        """Build from ``{lang: {source term: required translation}}``, validating the shape."""
        terms: dict[str, tuple[Term, ...]] = {}
        for lang, table in data.items():
            if not isinstance(table, dict):
                raise GlossaryError(
                    f"glossary {origin}: {lang!r} must be a table of \"term\" = \"translation\" "
                    f"for target language {lang!r}"
                )
            seen: dict[str, str] = {}
            entries = []
            for source, target in table.items():
                if not isinstance(target, str):
                    raise GlossaryError(
                        f"glossary {origin}: [{lang}] {source!r} must map to a string, "
                        f"not {type(target).__name__}"
                    )
                source, target = " ".join(source.split()), " ".join(target.split())
                if not source or not target:
                    raise GlossaryError(f"glossary {origin}: [{lang}] empty term or translation")
                key = source.casefold()
                if key in seen:
                    raise GlossaryError(
                        f"glossary {origin}: [{lang}] {source!r} and {seen[key]!r} are the same "
                        "term (matching ignores case)"
                    )
                seen[key] = source
                entries.append(Term(source, target))
            terms[lang.strip().lower()] = tuple(entries)
        canonical = json.dumps(
            {lang: sorted((t.source, t.target) for t in entries) for lang, entries in terms.items()},
            sort_keys=True, ensure_ascii=False,
        )
        version = hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16] if terms else ""
        return cls(terms=terms, version=version)

    def for_target(self, lang: str) -> list[Term]:
        """The terms for target ``lang`` (``pt-BR`` falls back to ``pt`` when it has no table)."""
        lang = normalize_tag(lang)
        if lang in self.terms:
            return list(self.terms[lang])
        return list(self.terms.get(primary_subtag(lang), ()))

    def mask(self, text: str, target_lang: str) -> Masked:
        """Swap every glossary term in the text nodes of ``text`` for a ``<gN/>`` placeholder."""
        return mask_terms(text, self.for_target(target_lang))

    @staticmethod
    def unmask(translated: str, masked: Masked) -> str | None:
        """See :func:`unmask`."""
        return unmask(translated, masked)


def find_terms(text: str, terms: list[Term]) -> list[tuple[int, int, Term]]:
    """Non-overlapping ``(start, end, term)`` matches in plain text, longest match first."""
    candidates = [
        (m.start(), m.end(), term)
        for term in terms
        for m in term.pattern.finditer(text)
    ]
    # Longest first, then leftmost: "New York Times" wins over "York" and over "New York".
    candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
    taken: list[tuple[int, int, Term]] = []
    for start, end, term in candidates:
        if all(end <= s or start >= e for s, e, _ in taken):
            taken.append((start, end, term))
    return sorted(taken, key=lambda c: c[0])


def mask_terms(text: str, terms: list[Term]) -> Masked:
    """Mask ``terms`` in the text nodes of inline HTML ``text``; tags are left untouched."""
    if not terms:
        return Masked(text)
    replacements: dict[str, str] = {}
    out: list[str] = []
    position = 0
    for tag in [*_TAG.finditer(text), None]:
        end = tag.start() if tag else len(text)
        out.append(_mask_text_node(text[position:end], terms, replacements))
        if tag:
            out.append(tag.group())
            position = tag.end()
    return Masked("".join(out), replacements)


def _mask_text_node(node: str, terms: list[Term], replacements: dict[str, str]) -> str:
    out: list[str] = []
    position = 0
    for start, end, term in find_terms(node, terms):
        name = f"g{len(replacements) + 1}"
        surface = node[start:end]
        # A protected term comes back as it was written; a required translation is text.
        replacements[name] = surface if term.protected else html.escape(term.target, quote=False)
        out.append(node[position:start])
        out.append(f"<{name}/>")
        position = end
    out.append(node[position:])
    return "".join(out)


def unmask(translated: str, masked: Masked) -> str | None:
    """Put the glossary terms back into a translation; None when a placeholder was lost.

    Engines sometimes rewrite ``<g1/>`` as ``<g1 />`` or ``<g1></g1>``; those are accepted.
    A placeholder the segment never had also means the translation cannot be trusted.
    """
    if not masked.replacements:
        return translated
    found: set[str] = set()
    unknown = False

    def put_back(match: re.Match[str]) -> str:
        nonlocal unknown
        name = (match.group(1) or match.group(2)).lower()
        if name not in masked.replacements:
            unknown = True
            return match.group()
        found.add(name)
        return masked.replacements[name]

    restored = _PLACEHOLDER.sub(put_back, translated)
    if unknown or found != set(masked.replacements):
        return None
    return restored
