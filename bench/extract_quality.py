"""Extraction quality on the shared article corpus: python bench/extract_quality.py [DATA] [-v]

DATA defaults to ../shared/data beside the repository root (a worktree elsewhere passes it).

Each folder of ../shared/data/articles holds source.html, expected-metadata.json (title,
byline, lang) and expected.html (the reference body). Prints the metadata table, then the
text fidelity table (see bench/extract_fidelity.py): the draft body against trafilatura's own
``extract()`` of the same HTML, which isolates what transdraft's steps lose or add, and both
against the Readability output of the corpus; then the pages where transdraft loses or adds
most. ``-v`` also lists the refused pages. Not part of the tests.
"""

from __future__ import annotations

import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.extract_fidelity import (  # noqa: E402
    body_text,
    draft_lines,
    f1,
    missing_runs,
    precision_recall,
    readability_text,
    reference_lines,
    trafilatura_text,
    without_title,
)
from pipeline.checks.extraction_loss import extraction_loss  # noqa: E402
from pipeline.errors import NotAnArticle  # noqa: E402
from pipeline.extract import MIN_WORDS, extract  # noqa: E402
from pipeline.extract.script import word_count  # noqa: E402

DATA = ROOT / ".." / "shared" / "data"


def _norm(text: str) -> str:
    return re.sub(r"\W+", " ", text or "").strip().lower()


def main() -> int:
    given = [a for a in sys.argv[1:] if not a.startswith("-")]
    data = (Path(given[0]) if given else DATA) / "articles"
    if not data.is_dir():
        print(f"skipped: no article corpus at {data.resolve()}")
        return 0
    pages = sorted(p for p in data.iterdir() if (p / "source.html").is_file())
    ok = not_article = errors = title_hits = lang_hits = author_hits = 0
    blocks = figures = expected_images = loss_warnings = 0
    seconds = 0.0
    failures: list[str] = []
    fidelity: list[PageFidelity] = []
    for page in pages:
        html = (page / "source.html").read_text(encoding="utf-8", errors="replace")
        meta_file = page / "expected-metadata.json"
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
        expected_images += len(re.findall(r"<img\b", (page / "expected.html").read_text(
            encoding="utf-8", errors="replace"))) if (page / "expected.html").is_file() else 0
        started = time.perf_counter()
        article = None
        try:
            article = extract(html, f"http://fakehost/test/{page.name}/")
        except NotAnArticle:
            not_article += 1
            failures.append(f"{page.name}: NotAnArticle")
        except Exception as error:  # noqa: BLE001 - a crash is a finding here, not a reason to stop
            errors += 1
            failures.append(f"{page.name}: {type(error).__name__}: {error}")
        finally:
            seconds += time.perf_counter() - started
        expected_file = page / "expected.html"
        expected = expected_file.read_text(encoding="utf-8", errors="replace") \
            if expected_file.is_file() else ""
        fidelity.append(_fidelity(page.name, html, article, expected, meta.get("title", "")))
        if article is None:
            continue
        ok += 1
        loss_warnings += bool(extraction_loss(article))
        title_hits += _norm(article.title) == _norm(meta.get("title", ""))
        lang = (meta.get("lang") or "")[:2].lower()
        lang_hits += bool(lang) and article.source_lang == lang
        author_hits += bool(meta.get("byline")) and bool(article.author) and (
            _norm(article.author) in _norm(meta["byline"]))
        blocks += len(article.blocks)
        figures += sum(b.kind == "figure" for b in article.blocks)
    with_lang = sum(1 for p in pages if (p / "expected-metadata.json").is_file() and json.loads(
        (p / "expected-metadata.json").read_text(encoding="utf-8")).get("lang"))
    rows = [
        ("pages", len(pages)),
        ("extracted OK", ok),
        ("NotAnArticle", not_article),
        ("crashed", errors),
        ("title match", f"{title_hits}/{ok} ({title_hits / max(ok, 1):.0%})"),
        ("lang match (pages with lang)", f"{lang_hits}/{with_lang}"),
        ("author within expected byline", author_hits),
        ("mean blocks per page", f"{blocks / max(ok, 1):.1f}"),
        ("figures found / <img> in expected", f"{figures} / {expected_images}"),
        ("extraction_loss warnings", loss_warnings),
        ("mean seconds per page", f"{seconds / max(len(pages), 1):.3f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    print()
    _print_fidelity(fidelity)
    if failures and "-v" in sys.argv:
        print("\n".join(failures))
    return 0


@dataclass
class PageFidelity:
    """One page's shingle precision and recall in each comparison, with what differs."""

    name: str
    plain: tuple[float, float]  # draft body, figures aside, vs trafilatura extract()
    images: tuple[float, float]  # draft body with captions vs extract(include_images=True)
    ours_readability: tuple[float, float]
    theirs_readability: tuple[float, float]
    lost: list[tuple[str, str, int]] = field(default_factory=list)
    added: list[tuple[str, str, int]] = field(default_factory=list)
    # Refused, and trafilatura's own text is below the article threshold too: no article
    # was lost, so the page is left out of the means (and listed).
    no_article: str = ""


def _fidelity(name: str, html: str, article, expected_html: str,
              expected_title: str) -> PageFidelity:
    title = article.title if article is not None else expected_title
    plain = without_title(without_title(trafilatura_text(html, images=False), title),
                          expected_title)
    with_images = without_title(without_title(trafilatura_text(html, images=True), title),
                                expected_title)
    expected = readability_text(expected_html)
    ours, ours_captions = body_text(article, False), body_text(article, True)
    below = ""
    if article is None and word_count(plain) < MIN_WORDS:
        below = f"{word_count(plain)} words in trafilatura's text: {plain[:60]!r}"
    return PageFidelity(
        no_article=below,
        name=name,
        plain=precision_recall(ours, plain),
        images=precision_recall(ours_captions, with_images),
        ours_readability=precision_recall(ours_captions, expected),
        theirs_readability=precision_recall(with_images, expected),
        lost=missing_runs(reference_lines(plain), ours),
        added=missing_runs(draft_lines(article, False), plain),
    )


def _means(pairs: list[tuple[float, float]]) -> tuple[float, float, float]:
    precision = sum(p for p, _ in pairs) / max(len(pairs), 1)
    recall = sum(r for _, r in pairs) / max(len(pairs), 1)
    return precision, recall, f1(precision, recall)


def _print_fidelity(all_pages: list[PageFidelity], worst: int = 6) -> None:
    pages = [p for p in all_pages if not p.no_article]
    rows = [
        ("draft body (figures aside) vs trafilatura extract()", [p.plain for p in pages]),
        ("draft body + captions vs extract(include_images=True)", [p.images for p in pages]),
        ("draft body + captions vs Readability expected", [p.ours_readability for p in pages]),
        ("trafilatura alone vs Readability expected", [p.theirs_readability for p in pages]),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"{'4-gram shingles, mean over ' + str(len(pages)) + ' pages':<{width}}"
          "  P       R       F1")
    means = {}
    for name, pairs in rows:
        means[name] = _means(pairs)
        precision, recall, score = means[name]
        print(f"{name:<{width}}  {precision:.4f}  {recall:.4f}  {score:.4f}")
    ours, theirs = means[rows[2][0]], means[rows[3][0]]
    print(f"{'difference vs Readability (transdraft - trafilatura)':<{width}}  "
          f"{ours[0] - theirs[0]:+.4f} {ours[1] - theirs[1]:+.4f} {ours[2] - theirs[2]:+.4f}")
    print(f"\nleft out, refused with fewer than {MIN_WORDS} words in trafilatura's text too:")
    for page in all_pages:
        if page.no_article:
            print(f"  {page.name}: {page.no_article}")
    print("pages where transdraft loses most of trafilatura's text (recall):")
    for page in sorted(pages, key=lambda p: p.plain[1])[:worst]:
        if page.plain[1] >= 1.0:
            break
        print(f"  {page.name}: R {page.plain[1]:.3f}")
        for kind, text, size in page.lost:
            print(f"    lost {kind}, {size} tokens: {text}")
    print("pages where transdraft adds most that trafilatura lacks (precision):")
    for page in sorted(pages, key=lambda p: p.plain[0])[:worst]:
        if page.plain[0] >= 1.0:
            break
        print(f"  {page.name}: P {page.plain[0]:.3f}")
        for kind, text, size in page.added:
            print(f"    added {kind}, {size} tokens: {text}")


if __name__ == "__main__":
    raise SystemExit(main())
