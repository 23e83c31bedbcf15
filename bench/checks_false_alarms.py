"""False alarms of the reviewer checks on faithful human translations, and their detection rates.

FLORES-200 devtest (``../shared/data/mt``): consecutive sentences of one source URL form a
document, cut into paragraphs of 2-3 sentences; the first sentence of every third paragraph is
a link in both languages. The English paragraphs are checked against the human Spanish and
Catalan ones (every warning there is a false alarm), then against corrupted copies: a number
changed, a link dropped, the source copied as the translation, half the translation dropped.

    python bench/checks_false_alarms.py [--show KIND] [--data DIR_WITH_mt]
"""

from __future__ import annotations

import argparse
import html
import re
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.checks.rules import Check, check_article  # noqa: E402
from pipeline.document import Block  # noqa: E402

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "mt"  # overridable: --data
KINDS = ("numbers", "links", "placeholders", "untranslated", "length", "glossary", "protected")
TARGETS = {"es": "spa_Latn", "ca": "cat_Latn"}


def documents() -> list[list[int]]:
    """Line numbers of each FLORES document, in order."""
    rows = (DATA / "metadata_devtest.tsv").read_text(encoding="utf-8").splitlines()[1:]
    docs: list[list[int]] = []
    previous = None
    for line_no, row in enumerate(rows):
        url = row.split("\t")[0]
        if url != previous:
            docs.append([])
            previous = url
        docs[-1].append(line_no)
    return docs


def paragraphs(docs: list[list[int]]) -> list[list[int]]:
    """Groups of 2-3 consecutive sentences of one document (a lone sentence stays alone)."""
    groups: list[list[int]] = []
    for doc in docs:
        start = 0
        while start < len(doc):
            size = 2 if len(doc) - start in (2, 4) else 3
            groups.append(doc[start:start + size])
            start += size
    return groups


def blocks(sentences: list[str], groups: list[list[int]]) -> list[Block]:
    out = []
    for n, group in enumerate(groups):
        parts = [html.escape(sentences[i], quote=False) for i in group]
        if n % 3 == 0:
            parts[0] = f'<a href="https://example.org/flores/{group[0]}">{parts[0]}</a>'
        out.append(Block(kind="paragraph", html=" ".join(parts)))
    return out


def _change_number(block: Block) -> Block | None:
    text = block.html
    match = re.search(r"(?<![\w/])\d+", re.sub(r'href="[^"]*"', lambda m: "x" * len(m.group()), text))
    if not match:
        return None
    digits = match.group()
    changed = digits[:-1] + str((int(digits[-1]) + 1) % 10)
    return Block(kind="paragraph", html=text[:match.start()] + changed + text[match.end():])


def _drop_link(block: Block) -> Block | None:
    if "<a " not in block.html:
        return None
    return Block(kind="paragraph", html=re.sub(r"</?a\b[^>]*>", "", block.html))


def _truncate(block: Block) -> Block | None:
    return Block(kind="paragraph", html=block.html[: len(block.html) // 3])


def flagged(checks: list[Check], kind: str) -> set[int]:
    return {c.block for c in checks if c.kind == kind}


def run(show: str | None) -> None:
    english = (DATA / "eng_Latn.devtest").read_text(encoding="utf-8").splitlines()
    groups = paragraphs(documents())
    source = blocks(english, groups)
    header = (f"{'pair':<7}{'blocks':>7}" + "".join(f"{k[:8]:>9}" for k in KINDS)
              + f"{'per 100':>9}")
    print("False alarms on faithful human translations (warnings per kind):")
    print(header)
    detection_rows = []
    for lang, name in TARGETS.items():
        target_sentences = (DATA / f"{name}.devtest").read_text(encoding="utf-8").splitlines()
        target = blocks(target_sentences, groups)
        checks = check_article(source, target, "en", lang)
        per_kind = Counter(c.kind for c in checks)
        print(f"en-{lang:<4}{len(source):>7}" + "".join(f"{per_kind[k]:>9}" for k in KINDS)
              + f"{100 * len(checks) / len(source):>9.2f}")
        if show:
            for c in checks:
                if c.kind == show:
                    print(f"    [{c.block}] {c.message}\n      EN: {source[c.block].html}\n"
                          f"      {lang.upper()}: {target[c.block].html}")

        firsts = {group[0] for group in groups}
        mixed = blocks([target_sentences[i] if i in firsts else english[i]
                        for i in range(len(english))], groups)
        for label, kind, corrupt in (
            ("number changed", "numbers", _change_number),
            ("link dropped", "links", _drop_link),
            ("source copied", "untranslated", lambda b, i: source[i]),
            ("source, commas dropped", "untranslated",
             lambda b, i: Block(kind="paragraph", html=source[i].html.replace(",", ""))),
            ("2 of 3 sentences left", "untranslated",
             lambda b, i: mixed[i] if len(groups[i]) > 1 else None),
            ("2/3 of text dropped", "length", _truncate),
        ):
            corrupted, eligible = list(target), []
            for i, block in enumerate(target):
                bad = corrupt(block, i) if kind == "untranslated" else corrupt(block)
                if bad is not None:
                    corrupted[i] = bad
                    eligible.append(i)
            hits = flagged(check_article(source, corrupted, "en", lang), kind) & set(eligible)
            detection_rows.append((f"en-{lang}", label, kind, len(eligible), len(hits)))

    print("\nDetection on corrupted translations (blocks corrupted / flagged with the kind):")
    print(f"{'pair':<7}{'corruption':<26}{'kind':<14}{'blocks':>7}{'flagged':>9}{'rate':>8}")
    for pair, label, kind, total, hits in detection_rows:
        rate = 100 * hits / total if total else 0.0
        print(f"{pair:<7}{label:<26}{kind:<14}{total:>7}{hits:>9}{rate:>7.1f}%")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", choices=KINDS, help="print the warnings of this kind")
    parser.add_argument("--data", type=Path, help="the shared data folder (holding mt/)")
    args = parser.parse_args()
    global DATA
    if args.data:
        DATA = args.data.resolve() / "mt"
    if not (DATA / "eng_Latn.devtest").exists():
        print(f"skipped: FLORES-200 devtest not found in {DATA} "
              "(expected ../shared/data/mt beside the repository)")
        return 0
    run(args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
