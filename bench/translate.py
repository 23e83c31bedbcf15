"""What the pipeline costs in translation quality and in characters, on real text.

FLORES-200 devtest (``../shared/data/mt`` next to the checkout, or ``--data DIR`` /
``TRANSDRAFT_BENCH_DATA``): consecutive sentences of one source URL form a document. Each
document becomes an HTML article (paragraphs of 2-3 sentences; a link in every third
paragraph, emphasis in every fourth) served on 127.0.0.1, and goes through the whole
pipeline in this process (fetch, extract, translate with Apertium APY eng->spa, compose),
twice, then once more at new addresses (new drafts, so only the translation memory can
spare the characters). The same sentences are also sent to APY bare, one request each. Printed: chrF of both
against the human Spanish, links kept, characters sent on the first run and on the re-run,
requests per article, reviewer-check warnings per 100 blocks.

    python bench/translate.py [--data DIR] [--docs N]

Needs ``apertium-apy`` with the eng-spa pair (Debian: apertium-apy apertium-eng-spa) and
sacrebleu (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import sys

# Run as a script, this folder comes first on sys.path, where bench/queue.py would shadow the
# standard library's queue and bench/pipeline.py the pipeline package.
sys.path[:] = [entry for entry in sys.path if not entry.rstrip("/").endswith("bench")]

import argparse
import html
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from config.settings import Settings  # noqa: E402
from pipeline.jobs import Pipeline  # noqa: E402
from tests.stubs.server import Response, StubServer  # noqa: E402

DEFAULT_DATA = REPO.parent / "shared" / "data"
MODES_DIRS = ("/usr/share/apertium/modes", "/usr/local/share/apertium/modes")


@dataclass
class Paragraph:
    doc: int
    source_html: str  # what the article page holds
    source_text: str
    reference: str  # human Spanish of the same sentences
    sentences: list[int]
    href: str | None


def data_dir(option: str | None) -> Path | None:
    for candidate in (option, os.environ.get("TRANSDRAFT_BENCH_DATA"), str(DEFAULT_DATA)):
        if candidate and (Path(candidate) / "mt" / "eng_Latn.devtest").exists():
            return Path(candidate) / "mt"
        if candidate and (Path(candidate) / "eng_Latn.devtest").exists():
            return Path(candidate)
    return None


def build_paragraphs(mt: Path, limit: int | None) -> list[Paragraph]:
    english = (mt / "eng_Latn.devtest").read_text(encoding="utf-8").splitlines()
    spanish = (mt / "spa_Latn.devtest").read_text(encoding="utf-8").splitlines()
    urls = [row.split("\t")[0] for row in
            (mt / "metadata_devtest.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    docs: list[list[int]] = []
    for line, url in enumerate(urls):
        if not docs or urls[docs[-1][0]] != url:
            docs.append([])
        docs[-1].append(line)
    docs = docs[:limit] if limit else docs
    out: list[Paragraph] = []
    count = 0
    for number, doc in enumerate(docs):
        start = 0
        while start < len(doc):
            size = 2 if len(doc) - start in (2, 4) else 3
            group = doc[start:start + size]
            start += size
            texts = [html.escape(english[i], quote=False) for i in group]
            href = None
            if count % 3 == 0:
                href = f"https://example.org/sources/{number}/{count}"
                texts[0] = _wrap(texts[0], f'<a href="{href}">', "</a>")
            elif count % 4 == 1:
                texts[-1] = _wrap(texts[-1], "<em>", "</em>")
            count += 1
            out.append(Paragraph(number, " ".join(texts), " ".join(english[i] for i in group),
                                 " ".join(spanish[i] for i in group), group, href))
    return out


def _wrap(sentence: str, opening: str, closing: str) -> str:
    """Mark up a run of words in the middle of a sentence (a few words, as writers link)."""
    words = sentence.split(" ")
    if len(words) < 6:
        return f"{opening}{sentence}{closing}"
    first, last = len(words) // 3, len(words) // 3 + 3
    return " ".join(words[:first] + [opening + " ".join(words[first:last]) + closing]
                    + words[last:])


def article_page(title: str, paragraphs: list[Paragraph]) -> str:
    body = "\n".join(f"<p>{p.source_html}</p>" for p in paragraphs)
    return (f"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title)}</title></head><body><article>"
            f"<h1>{html.escape(title)}</h1>\n{body}\n</article></body></html>")


def plain(inline_html: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]*>", "", inline_html)).split())


def start_apy() -> tuple[subprocess.Popen, str]:
    binary = shutil.which("apertium-apy")
    modes = next((d for d in MODES_DIRS if Path(d, "eng-spa.mode").exists()), None)
    if binary is None or modes is None:
        sys.exit("skipped: apertium-apy with the eng-spa pair is not installed "
                 "(Debian: apertium-apy apertium-eng-spa)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([binary, "-p", str(port), modes], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{url}/listPairs", timeout=1).status_code == 200:
                return process, url
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.terminate()
            sys.exit("apertium-apy did not start within 60s")
        time.sleep(0.2)


def translate_bare(apy: str, sentences: list[str]) -> list[str]:
    """APY on each sentence alone, plain text, as a user of APY would call it."""
    out = []
    with httpx.Client(timeout=60) as client:
        for sentence in sentences:
            answer = client.post(f"{apy}/translate", data={
                "q": sentence, "langpair": "eng|spa", "markUnknown": "no"})
            answer.raise_for_status()
            out.append(answer.json()["responseData"]["translatedText"].strip())
    return out


class CountingPipeline(Pipeline):
    """The real pipeline, remembering its providers so requests can be counted."""

    made: list = []

    def providers(self, names):
        built = super().providers(names)
        self.made.extend(built)
        return built


def run_pipeline(database_url: str, pipeline: CountingPipeline, urls: list[str]) -> list[int]:
    from pipeline.db import session_scope
    from pipeline.intake import enqueue
    from pipeline.jobs import run_inline

    drafts = []
    for url in urls:
        with session_scope(database_url) as session:
            job_id = enqueue(session, [url], "es", None, "en").new[0].id
        drafts.append(run_inline(database_url, job_id, pipeline, provider_retries=0))
    return drafts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder holding mt/ (default ../shared/data)")
    parser.add_argument("--docs", type=int, default=None, help="only the first N documents")
    options = parser.parse_args()
    mt = data_dir(options.data)
    if mt is None:
        sys.exit("skipped: FLORES data not found (../shared/data/mt next to the checkout, "
                 "--data DIR or TRANSDRAFT_BENCH_DATA)")
    import sacrebleu

    from pipeline.budget import usage_today
    from pipeline.db import session_scope, upgrade
    from pipeline.models import Draft

    paragraphs = build_paragraphs(mt, options.docs)
    by_doc: dict[int, list[Paragraph]] = {}
    for paragraph in paragraphs:
        by_doc.setdefault(paragraph.doc, []).append(paragraph)
    pages = {f"/news/{doc}": article_page(f"Report {doc + 1}: " + ps[0].source_text.split(".")[0][:60],
                                          ps) for doc, ps in by_doc.items()}
    english = (mt / "eng_Latn.devtest").read_text(encoding="utf-8").splitlines()

    process, apy = start_apy()
    workdir = tempfile.mkdtemp(prefix="transdraft-bench-")
    database_url = f"sqlite:///{workdir}/bench.db"
    try:
        began = time.monotonic()
        bare_sentences = translate_bare(apy, [english[i] for p in paragraphs
                                              for i in p.sentences])
        bare_seconds = time.monotonic() - began
        upgrade(database_url)
        settings = Settings(database_url=database_url, provider=["apertium"], apertium_url=apy,
                            target_lang="es", fetch_allow_hosts=["127.0.0.1"])
        pipeline = CountingPipeline(settings)
        def serve(request):
            page = pages.get(request.path.removeprefix("/copy"))
            return Response(200, page) if page else Response(404, "")

        with StubServer(serve) as site:
            urls = [site.url(path) for path in pages]
            began = time.monotonic()
            draft_ids = run_pipeline(database_url, pipeline, urls)
            pipeline_seconds = time.monotonic() - began
            with session_scope(database_url) as session:
                first_chars = usage_today(session).get("apertium", 0)
            first_requests = sum(p.requests_made for p in pipeline.made)
            run_pipeline(database_url, pipeline, urls)
            with session_scope(database_url) as session:
                rerun_chars = usage_today(session).get("apertium", 0) - first_chars
            rerun_requests = sum(p.requests_made for p in pipeline.made) - first_requests
            # The same articles at new addresses: new drafts, answered by the memory alone.
            run_pipeline(database_url, pipeline, [site.url("/copy" + path) for path in pages])
            with session_scope(database_url) as session:
                copy_chars = usage_today(session).get("apertium", 0) - first_chars - rerun_chars

        hyp_pipeline, hyp_bare, refs = [], [], []
        links_total = links_kept = lost_paragraphs = blocks = 0
        checks: Counter[str] = Counter()
        position = 0
        bare_by_paragraph = []
        for paragraph in paragraphs:
            n = len(paragraph.sentences)
            bare_by_paragraph.append(" ".join(bare_sentences[position:position + n]))
            position += n
        with session_scope(database_url) as session:
            for doc, draft_id in zip(by_doc, draft_ids):
                draft = session.get(Draft, draft_id)
                translated = {}
                for segment in draft.segments:
                    if segment.block_index >= 0:
                        translated[plain(segment.source)] = segment.translation
                blocks += len(draft.blocks)
                checks.update(check["kind"] for check in draft.checks)
                for paragraph in by_doc[doc]:
                    index = paragraphs.index(paragraph)
                    output = translated.get(plain(paragraph.source_html))
                    if output is None:
                        lost_paragraphs += 1
                        continue
                    hyp_pipeline.append(plain(output))
                    hyp_bare.append(bare_by_paragraph[index])
                    refs.append(paragraph.reference)
                    if paragraph.href:
                        links_total += 1
                        links_kept += f'<a href="{paragraph.href}">' in output
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)

    chrf_pipeline = sacrebleu.corpus_chrf(hyp_pipeline, [refs]).score
    chrf_bare = sacrebleu.corpus_chrf(hyp_bare, [refs]).score
    articles = len(draft_ids)
    rows = [
        ("documents / paragraphs / sentences",
         f"{articles} / {len(paragraphs)} / {sum(len(p.sentences) for p in paragraphs)}"),
        ("paragraphs not extracted (left out of chrF)", str(lost_paragraphs)),
        ("chrF, APY bare (sentence by sentence)", f"{chrf_bare:.2f}"),
        ("chrF, through the pipeline (HTML, packed)", f"{chrf_pipeline:.2f}"),
        ("chrF difference (target: <= 1.0 lower)", f"{chrf_pipeline - chrf_bare:+.2f}"),
        ("links preserved (target 100%)",
         f"{links_kept}/{links_total} = {100 * links_kept / max(links_total, 1):.1f}%"),
        ("characters sent, first run", f"{first_chars:,}"),
        ("characters sent, re-run (target 0)", f"{rerun_chars:,}"),
        ("characters sent, same articles at new URLs (memory)", f"{copy_chars:,}"),
        ("requests per article, first run / re-run (APY bare)",
         f"{first_requests / articles:.2f} / {rerun_requests / articles:.2f} "
         f"({len(bare_sentences) / articles:.2f})"),
        ("check warnings per 100 blocks",
         f"{100 * sum(checks.values()) / max(blocks, 1):.2f} "
         f"({', '.join(f'{k} {v}' for k, v in checks.most_common()) or 'none'})"),
        ("seconds: pipeline first run / APY bare", f"{pipeline_seconds:.1f} / {bare_seconds:.1f}"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"| {'measure'.ljust(width)} | value |")
    print(f"|{'-' * (width + 2)}|-------|")
    for name, value in rows:
        print(f"| {name.ljust(width)} | {value} |")


if __name__ == "__main__":
    main()
