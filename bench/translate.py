"""What the pipeline costs in translation quality and in characters, on real text.

FLORES-200 devtest (``../shared/data/mt`` next to the checkout, or ``--data DIR`` /
``TRANSDRAFT_BENCH_DATA``): consecutive sentences of one source URL form a document. Each
document becomes an HTML article (paragraphs of 2-3 sentences; a link in every third
paragraph, emphasis in every fourth) served on 127.0.0.1, and goes through the whole
pipeline in this process (fetch, extract, translate English to Spanish, compose), twice,
then once more at new addresses (new drafts, so only the translation memory can spare the
characters). One column per provider chain:

- ``apertium``: Apertium APY eng->spa; the same sentences are also sent to APY bare, one
  request each, for the chrF the pipeline must not lose;
- ``llm``: provider ``llm`` (then Apertium for the segments it hands on), against the stub
  OpenAI-compatible server of ``tests/stubs`` by default, or a real one with ``--llm-url``
  (e.g. a local Ollama: ``--llm-url http://127.0.0.1:11434/v1 --llm-model qwen2.5:7b``).

Printed: chrF against the human Spanish, links kept, characters sent on the first run and
on the re-run, requests per article, segments handed on, tokens per character, reviewer-check
warnings per 100 blocks.

    python bench/translate.py [--data DIR] [--docs N] [--llm-url URL --llm-model NAME]

Needs sacrebleu (``pip install -e '.[bench]'``); the apertium column and the hand-over of
the llm column need ``apertium-apy`` with the eng-spa pair (Debian: apertium-apy
apertium-eng-spa).
"""

from __future__ import annotations

import argparse
import html
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import httpx  # noqa: E402

from config.settings import Settings  # noqa: E402
from pipeline.jobs.services import Services  # noqa: E402
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


def start_apy() -> tuple[subprocess.Popen | None, str]:
    binary = shutil.which("apertium-apy")
    modes = next((d for d in MODES_DIRS if Path(d, "eng-spa.mode").exists()), None)
    if binary is None or modes is None:
        return None, ""  # not installed (Debian: apertium-apy apertium-eng-spa)
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


class CountingServices(Services):
    """The real services, remembering its providers so requests can be counted."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.made: list = []

    def providers(self, names):
        built = super().providers(names)
        self.made.extend(built)
        return built


def run_pipeline(database_url: str, services: CountingServices, urls: list[str]) -> list[int]:
    from pipeline.db.session import session_scope
    from pipeline.jobs.execution import run_in_foreground
    from pipeline.jobs.intake import enqueue

    drafts = []
    for url in urls:
        with session_scope(database_url) as session:
            job_id = enqueue(session, [url], "es", None, "en").new[0].id
        drafts.append(run_in_foreground(database_url, job_id, services, patience=0))
    return drafts


@dataclass
class Column:
    """One provider chain measured: the table column it fills."""

    name: str
    provider: str  # whose characters and tokens are counted
    settings: dict
    values: dict[str, str] | None = None


def measure(column: Column, workdir: str, site: StubServer, pages: dict[str, str],
            paragraphs: list[Paragraph], by_doc: dict[int, list[Paragraph]]) -> dict[str, str]:
    """Run the column's chain over every article: first run, re-run, copies at new URLs."""
    import sacrebleu
    from sqlalchemy import select

    from pipeline.db.models import Draft, ProviderUsage
    from pipeline.db.session import session_scope, upgrade
    from pipeline.ledger.budget import usage_today

    database_url = f"sqlite:///{workdir}/{column.name}.db"
    upgrade(database_url)
    settings = Settings(database_url=database_url, target_lang="es",
                        fetch_allow_hosts=["127.0.0.1"], **column.settings)
    services = CountingServices(settings)

    def chars() -> int:
        with session_scope(database_url) as session:
            return usage_today(session).get(column.provider, 0)

    def requests() -> int:
        return sum(p.requests_made for p in services.made if p.name == column.provider)

    urls = [site.url(path) for path in pages]
    began = time.monotonic()
    draft_ids = run_pipeline(database_url, services, urls)
    seconds = time.monotonic() - began
    first_chars, first_requests = chars(), requests()
    run_pipeline(database_url, services, urls)
    rerun_chars, rerun_requests = chars() - first_chars, requests() - first_requests
    # The same articles at new addresses: new drafts, answered by the memory alone.
    run_pipeline(database_url, services, [site.url("/copy" + path) for path in pages])
    copy_chars = chars() - first_chars - rerun_chars

    hyps, refs = [], []
    links_total = links_kept = lost = blocks = handed = segments = 0
    checks: Counter[str] = Counter()
    with session_scope(database_url) as session:
        usage = session.scalars(select(ProviderUsage).where(
            ProviderUsage.provider == column.provider)).first()
        for doc, draft_id in zip(by_doc, draft_ids):
            draft = session.get(Draft, draft_id)
            translated = {}
            for segment in draft.segments:
                segments += 1
                handed += bool(segment.fallback_reason)
                if segment.block_index >= 0:
                    translated[plain(segment.source)] = segment.translation
            blocks += len(draft.blocks)
            checks.update(check["kind"] for check in draft.checks)
            for paragraph in by_doc[doc]:
                output = translated.get(plain(paragraph.source_html))
                if output is None:
                    lost += 1
                    continue
                hyps.append(plain(output))
                refs.append(paragraph.reference)
                if paragraph.href:
                    links_total += 1
                    links_kept += f'<a href="{paragraph.href}">' in output
    articles = len(draft_ids)
    values = {
        "chrF through the pipeline": f"{sacrebleu.corpus_chrf(hyps, [refs]).score:.2f}",
        "paragraphs not extracted (left out of chrF)": str(lost),
        "links preserved (target 100%)":
            f"{links_kept}/{links_total} = {100 * links_kept / max(links_total, 1):.1f}%",
        "characters sent, first run": f"{first_chars:,}",
        "characters sent, re-run (target 0)": f"{rerun_chars:,}",
        "characters sent, same articles at new URLs (memory)": f"{copy_chars:,}",
        "requests per article, first run / re-run":
            f"{first_requests / articles:.2f} / {rerun_requests / articles:.2f}",
        "segments handed on to the next provider": f"{handed} of {segments}",
        "check warnings per 100 blocks":
            f"{100 * sum(checks.values()) / max(blocks, 1):.2f} "
            f"({', '.join(f'{k} {v}' for k, v in checks.most_common()) or 'none'})",
        "seconds, first run": f"{seconds:.1f}",
    }
    if usage is not None and usage.requests:
        source_chars = sum(len(p.source_text) for p in paragraphs)
        values["tokens in per character sent / out per source character"] = (
            f"{usage.tokens_in / max(usage.chars, 1):.3f} / "
            f"{usage.tokens_out / max(source_chars, 1):.3f}"
            + (f" ({usage.unmetered_requests} requests without usage)"
               if usage.unmetered_requests else ""))
    return values


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", help="folder holding mt/ (default ../shared/data)")
    parser.add_argument("--docs", type=int, default=None, help="only the first N documents")
    parser.add_argument("--llm-url", help="an OpenAI-compatible server (base URL ending in /v1) "
                        "for the llm column; default: the stub of tests/stubs")
    parser.add_argument("--llm-model", default="stub-qwen2.5-7b-instruct")
    parser.add_argument("--llm-api-key", default=None)
    parser.add_argument("--llm-context-tokens", type=int, default=8192)
    options = parser.parse_args()
    mt = data_dir(options.data)
    if mt is None:
        sys.exit("skipped: FLORES data not found (../shared/data/mt next to the checkout, "
                 "--data DIR or TRANSDRAFT_BENCH_DATA)")
    import sacrebleu

    from tests.stubs.openai_compat import llm_routes

    paragraphs = build_paragraphs(mt, options.docs)
    by_doc: dict[int, list[Paragraph]] = {}
    for paragraph in paragraphs:
        by_doc.setdefault(paragraph.doc, []).append(paragraph)
    pages = {f"/news/{doc}": article_page(f"Report {doc + 1}: " + ps[0].source_text.split(".")[0][:60],
                                          ps) for doc, ps in by_doc.items()}
    english = (mt / "eng_Latn.devtest").read_text(encoding="utf-8").splitlines()

    apy_process, apy = start_apy()
    stub = None if options.llm_url else StubServer(llm_routes()).__enter__()
    llm_url = options.llm_url or stub.url("/v1")
    llm_name = "llm (stub)" if stub else f"llm ({options.llm_model})"
    llm_settings = {"llm_url": llm_url, "llm_model": options.llm_model,
                    "llm_api_key": options.llm_api_key,
                    "llm_context_tokens": options.llm_context_tokens}
    columns = []
    if apy:
        columns.append(Column("apertium", "apertium",
                              {"provider": ["apertium"], "apertium_url": apy}))
        # Segments the model refuses go to Apertium, as a newsroom would chain them.
        columns.append(Column(llm_name, "llm", {"provider": ["llm", "apertium"],
                                                "apertium_url": apy, **llm_settings}))
    else:
        print("apertium-apy with eng-spa not installed: llm column only, nothing to hand on to")
        columns.append(Column(llm_name, "llm", {"provider": ["llm"], **llm_settings}))
    workdir = tempfile.mkdtemp(prefix="transdraft-bench-")
    bare: dict[str, str] = {}
    try:
        if apy:
            began = time.monotonic()
            bare_sentences = translate_bare(apy, [english[i] for p in paragraphs
                                                  for i in p.sentences])
            bare_seconds = time.monotonic() - began
            bare_hyps, position = [], 0
            for paragraph in paragraphs:
                n = len(paragraph.sentences)
                bare_hyps.append(" ".join(bare_sentences[position:position + n]))
                position += n
            refs = [p.reference for p in paragraphs]
            bare = {"chrF, APY bare (sentence by sentence)":
                    f"{sacrebleu.corpus_chrf(bare_hyps, [refs]).score:.2f}",
                    "requests per article, APY bare":
                    f"{len(bare_sentences) / len(by_doc):.2f}",
                    "seconds, APY bare": f"{bare_seconds:.1f}"}

        def serve(request):
            page = pages.get(request.path.removeprefix("/copy"))
            return Response(200, page) if page else Response(404, "")

        with StubServer(serve) as site:
            for column in columns:
                column.values = measure(column, workdir, site, pages, paragraphs, by_doc)
    finally:
        if apy_process is not None:
            apy_process.terminate()
            apy_process.wait(timeout=10)
        if stub is not None:
            stub.__exit__(None, None, None)
        shutil.rmtree(workdir, ignore_errors=True)

    articles = len(by_doc)
    print(f"documents / paragraphs / sentences: {articles} / {len(paragraphs)} / "
          f"{sum(len(p.sentences) for p in paragraphs)}")
    if stub:
        print("llm (stub): a word-list 'Spanish' from tests/stubs; its chrF is no quality "
              "figure, its requests, tokens and hand-overs are (see --llm-url)")
    names = list(dict.fromkeys(name for c in columns for name in c.values)) + list(bare)
    rows = [[name] + [c.values.get(name, "") if name not in bare else
                      (bare[name] if c.provider == "apertium" else "") for c in columns]
            for name in names]
    header = ["measure"] + [c.name for c in columns]
    widths = [max(len(row[i]) for row in rows + [header]) for i in range(len(header))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print("| " + " | ".join(v.ljust(w) for v, w in zip(row, widths)) + " |")


if __name__ == "__main__":
    main()
