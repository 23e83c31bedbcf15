"""Extraction quality on the shared article corpus: python bench/extract_quality.py [DATA] [-v]

DATA defaults to ../shared/data beside the repository root (a worktree elsewhere passes it).

Each folder of ../shared/data/articles holds source.html, expected-metadata.json (title,
byline, lang) and expected.html (the reference body). Prints one table; not part of tests.
"""

from __future__ import annotations

import sys

# Run as a script, this folder comes first on sys.path, where bench/queue.py would shadow the
# standard library's queue and bench/pipeline.py the pipeline package.
sys.path[:] = [entry for entry in sys.path if not entry.rstrip("/").endswith("bench")]

import json
import re
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.errors import NotAnArticle  # noqa: E402
from pipeline.extract import extract  # noqa: E402

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
    blocks = figures = expected_images = 0
    seconds = 0.0
    failures: list[str] = []
    for page in pages:
        html = (page / "source.html").read_text(encoding="utf-8", errors="replace")
        meta_file = page / "expected-metadata.json"
        meta = json.loads(meta_file.read_text(encoding="utf-8")) if meta_file.is_file() else {}
        expected_images += len(re.findall(r"<img\b", (page / "expected.html").read_text(
            encoding="utf-8", errors="replace"))) if (page / "expected.html").is_file() else 0
        started = time.perf_counter()
        try:
            article = extract(html, f"http://fakehost/test/{page.name}/")
        except NotAnArticle:
            not_article += 1
            failures.append(f"{page.name}: NotAnArticle")
            continue
        except Exception as error:  # a crash is a finding here, not a reason to stop
            errors += 1
            failures.append(f"{page.name}: {type(error).__name__}: {error}")
            continue
        finally:
            seconds += time.perf_counter() - started
        ok += 1
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
        ("mean seconds per page", f"{seconds / max(len(pages), 1):.3f}"),
    ]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    if failures and "-v" in sys.argv:
        print("\n".join(failures))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
