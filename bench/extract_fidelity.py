"""Text fidelity of extraction: what transdraft loses or adds against trafilatura itself.

transdraft wraps trafilatura, so any gap between the draft body and trafilatura's own
``extract()`` of the same HTML is made by transdraft's steps. Texts are compared as multisets
of 4-gram token shingles (a token is a word, or one character of a script written without
spaces); per page P = shared / draft shingles, R = shared / reference shingles; the table
gives the mean P and mean R over pages and the F1 of those means.
"""

from __future__ import annotations

import re
from collections import Counter

import trafilatura
from lxml import html as lxml_html

from pipeline.document import ExtractedArticle
from pipeline.extract.inline import plain_text

SHINGLE = 4
# Han, kana, Hangul syllables and Thai: each character is a token.
_TOKEN = re.compile(r"[\u0e00-\u0e7f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]"
                    r"|[^\W_]+")
_IMAGE_MARKUP = re.compile(r"!\[([^\]]*)\]\([^)]*\)")


def tokens(text: str) -> list[str]:
    """Lower-cased words, and single characters of scripts without spaces."""
    return _TOKEN.findall((text or "").lower())


def shingles(text: str) -> Counter:
    """The 4-gram token shingles of ``text`` (one shingle of all tokens when fewer)."""
    words = tokens(text)
    if len(words) < SHINGLE:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i:i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def precision_recall(found: str, reference: str) -> tuple[float, float]:
    """Shingle precision and recall of ``found`` against ``reference`` (1.0 for nothing)."""
    got, want = shingles(found), shingles(reference)
    shared = sum((got & want).values())
    precision = shared / sum(got.values()) if got else 1.0
    recall = shared / sum(want.values()) if want else 1.0
    return precision, recall


def f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def body_text(article: ExtractedArticle | None, captions: bool) -> str:
    """The draft's body text, one block a line; figure captions and credits only if asked."""
    return "\n".join(text for _, text in draft_lines(article, captions))


def trafilatura_text(html: str, images: bool) -> str:
    """trafilatura's own plain-text extraction of the page (image markup reduced to alt)."""
    text = trafilatura.extract(html, include_comments=False, include_tables=True,
                               include_images=images, deduplicate=False) or ""
    return _IMAGE_MARKUP.sub(lambda m: m.group(1), text) if images else text


def without_title(reference: str, title: str) -> str:
    """``reference`` without the title among its first three lines: transdraft keeps a heading
    that repeats the title near the top as the title, not as a body block."""
    lines = reference.split("\n")
    for i, line in enumerate(lines[:3]):
        if title and tokens(line) == tokens(title):
            return "\n".join(lines[:i] + lines[i + 1:])
    return reference


def readability_text(expected_html: str) -> str:
    """The text of the corpus's expected (Readability) body, one block a line."""
    if not expected_html.strip():
        return ""
    root = lxml_html.fromstring(expected_html)
    for block in root.iter("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "tr", "figcaption",
                           "blockquote", "pre", "br"):
        block.tail = "\n" + (block.tail or "")
    return root.text_content()


def _kind_of_line(line: str) -> str:
    if line.startswith(("- ", "* ")):
        return "list item"
    if line.startswith("|"):
        return "table"
    if len(tokens(line)) <= 8:
        return "short line"
    return "paragraph"


def draft_lines(article: ExtractedArticle | None, captions: bool) -> list[tuple[str, str]]:
    """``(kind, text)`` of every line of the draft body (see :func:`body_text`)."""
    if article is None:
        return []
    lines = []
    for block in article.blocks:
        if block.kind == "figure":
            if captions:
                lines.append(("figure caption", " ".join(
                    filter(None, [plain_text(block.caption), block.credit]))))
            continue
        lines.extend((block.kind, plain_text(text)) for _, text in block.segments())
    return [(kind, text) for kind, text in lines if text]


def reference_lines(text: str) -> list[tuple[str, str]]:
    """``(kind, text)`` of every line of trafilatura's plain text, the kind guessed from its
    markup (``- `` list items, ``|`` table rows) or its length."""
    return [(_kind_of_line(line.strip()), line) for line in text.splitlines() if line.strip()]


def missing_runs(lines: list[tuple[str, str]], other: str,
                 limit: int = 3) -> list[tuple[str, str, int]]:
    """The longest runs of tokens of ``lines`` whose shingles ``other`` lacks (what one side
    lost or added), each as ``(kind of its line, the run's first words, its length)``."""
    words: list[str] = []
    kinds: list[str] = []
    for kind, line in lines:
        line_tokens = tokens(line)
        words += line_tokens
        kinds += [kind] * len(line_tokens)
    have = shingles(other)
    flags = [False] * len(words)
    for i in range(len(words) - SHINGLE + 1):
        key = tuple(words[i:i + SHINGLE])
        if have[key] > 0:
            have[key] -= 1
        else:
            for j in range(i, i + SHINGLE):
                flags[j] = True
    runs, start = [], None
    for i, flag in enumerate([*flags, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i))
            start = None
    runs.sort(key=lambda r: r[1] - r[0], reverse=True)
    result = []
    for begin, end in runs[:limit]:
        if end - begin < SHINGLE:
            continue
        run = words[begin:end]
        joiner = "" if all(len(w) == 1 for w in run[:8]) else " "
        text = joiner.join(run[:14]) + (" ..." if len(run) > 14 else "")
        result.append((kinds[begin], text, end - begin))
    return result
