"""Whole-pipeline throughput beside extraction alone: python bench/end_to_end.py [DATA] [--limit N]

DATA defaults to ../shared/data beside the repository root. The pages of DATA/articles are
served on 127.0.0.1; each is put through the in-process pipeline (fetch, extract, translate
with a zero-latency Google-protocol stub, compose, sanitize, store in a SQLite file) exactly
as ``transdraft translate`` does, one after the other. Extraction alone on the same HTML is
the ceiling. Provider requests per page are compared with the least possible number,
ceil(characters sent / 5000), Google's limit per request.

Prints one table; targets: pipeline >= 0.8 x extraction-only pages/s, requests per page
<= minimum + 1 on every page.
"""

from __future__ import annotations

import json
import math
import multiprocessing
import os
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.stubs.server import Response, StubServer  # noqa: E402
from tests.stubs.translators import google_routes  # noqa: E402

# The article site and the provider stub run in a child process: in this one their threads
# would compete with the pipeline for the interpreter lock, which real servers don't.

DATA = ROOT / ".." / "shared" / "data"
GOOGLE_LIMIT = 5000
TARGET_LANG = "nl"
# `transdraft up`'s defaults: two runner threads, one extraction process per runner (up to
# the CPUs).
UP_THREADS = 2


def _pages(data: Path, limit: int | None) -> list[tuple[str, str]]:
    folders = sorted(p for p in (data / "articles").iterdir() if (p / "source.html").is_file())
    pages = [(p.name, (p / "source.html").read_text(encoding="utf-8", errors="replace"))
             for p in folders]
    return pages[:limit] if limit else pages


def _extraction_only(pages: list[tuple[str, str]], base_url: str) -> tuple[float, int]:
    from pipeline.errors import PipelineError
    from pipeline.extract import extract

    started = time.perf_counter()
    extracted = 0
    for name, html in pages:
        try:
            extract(html, f"{base_url}/test/{name}/")
            extracted += 1
        except PipelineError:
            pass
    return time.perf_counter() - started, extracted


def _serve(data: Path, limit: int | None, ready, stop) -> None:
    """Child process: serve the pages and the Google stub, with a request log per stub."""
    pages = _pages(data, limit)
    by_path = {f"/test/{name}/": html for name, html in pages}

    def serve_page(request):
        html = by_path.get(request.path)
        return Response(200, html) if html is not None else Response(404, "not found")

    routes = google_routes()
    with StubServer(serve_page) as site, StubServer({}) as google:
        def log(request):
            sizes = [len(r.query.get("q", [""])[0]) for r in google.requests if r.path == "/m"]
            return Response(200, json.dumps(sizes), content_type="application/json")
        google.routes = {**routes, "/log": log}
        ready.send((site.base_url, google.base_url))
        stop.recv()


class _Remote:
    """The child's stub servers, seen from here."""

    def __init__(self, site_url: str, google_url: str) -> None:
        self.site_url, self.google_url = site_url, google_url

    def url(self, path: str) -> str:
        return self.site_url + path

    def sent(self) -> list[int]:
        """Characters of each request the Google stub has answered so far."""
        with urllib.request.urlopen(self.google_url + "/log") as answer:
            return json.loads(answer.read())


def _environment(remote: _Remote, database: Path) -> None:
    os.environ.update({
        "TRANSDRAFT_DATABASE_URL": f"sqlite:///{database}",
        "TRANSDRAFT_PROVIDER": "google",
        "TRANSDRAFT_GOOGLE_URL": remote.google_url + "/m",
        "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1",
        "TRANSDRAFT_TARGET_LANG": TARGET_LANG,
        # The 130 pages come from 130 sites but are served here from one host: per-host
        # politeness limits would measure the limiter, not the pipeline.
        "TRANSDRAFT_FETCH_HOST_RATE": "0",
        "TRANSDRAFT_FETCH_HOST_CONCURRENCY": "0",
    })


def _run_pages(pages, remote: _Remote, database: Path, threads: int = 1, between=None):
    """Put every page through the in-process pipeline as ``transdraft translate`` does.

    ``threads`` pages at a time (``transdraft up`` runs jobs on a few threads the same way);
    ``between(name, outcome)`` is called after each page. Returns (seconds, [(name, outcome)]).
    """
    from concurrent.futures import ThreadPoolExecutor

    from config.settings import get_settings
    from pipeline.db.session import session_scope, upgrade
    from pipeline.errors import PipelineError
    from pipeline.jobs.execution import run_in_foreground
    from pipeline.jobs.intake import enqueue
    from pipeline.jobs.services import Services

    _environment(remote, database)
    get_settings.cache_clear()
    settings = get_settings()
    upgrade(settings.database_url)
    services = Services(settings)
    services.templates  # load and check the block templates before the clock starts

    def one(name: str) -> tuple[str, str]:
        with session_scope(settings.database_url) as session:
            job_id = enqueue(session, [remote.url(f"/test/{name}/")], TARGET_LANG).new[0].id
        try:
            run_in_foreground(settings.database_url, job_id, services, patience=0)
            return name, "draft"
        except PipelineError as error:
            return name, error.reason

    started = time.perf_counter()
    if threads == 1:
        results = []
        for name, _html in pages:
            results.append(one(name))
            if between:
                between(*results[-1])
    else:
        with ThreadPoolExecutor(threads) as pool:
            results = list(pool.map(one, [name for name, _html in pages]))
    return time.perf_counter() - started, results


def _run_local(pages, remote: _Remote, database: Path, threads: int,
               processes: int | None = None) -> tuple[float, int]:
    """Put every page through ``transdraft up``'s runner: ``threads`` runner threads taking
    jobs from the database, pages extracted in ``processes`` worker processes.

    The runner starts first and each extraction process extracts every page once, untimed
    (as the in-process passes are timed warm); then all pages are enqueued in one batch and
    the clock runs until no job is queued or running. Returns the seconds and the number of
    extraction processes (None: as many as ``up`` starts by default).
    """
    from sqlalchemy import func, select

    from config.settings import get_settings
    from pipeline.db.models import Job
    from pipeline.db.session import session_scope, upgrade
    from pipeline.jobs.intake import enqueue
    from pipeline.vocabulary import ACTIVE_JOB_STATES
    from worker.local import LocalRunner

    _environment(remote, database)
    get_settings.cache_clear()
    settings = get_settings()
    upgrade(settings.database_url)
    # Idle runners look for due jobs every poll seconds (0.5 in `up`): shortened here so that
    # the pick-up of the batch is not timed; busy runners do not wait for it.
    runner = LocalRunner(settings, threads=threads, poll=0.02, extract_processes=processes)
    runner.start()
    try:
        pool = runner.services.extraction_pool
        if pool is not None:
            _warm_pool(pool, pages, remote)
        started = time.perf_counter()
        with session_scope(settings.database_url) as session:
            enqueue(session, [remote.url(f"/test/{name}/") for name, _html in pages], TARGET_LANG)
        while True:
            time.sleep(0.02)
            with session_scope(settings.database_url) as session:
                if not session.scalar(select(func.count(Job.id))
                                      .where(Job.state.in_(ACTIVE_JOB_STATES))):
                    return time.perf_counter() - started, runner.extract_processes
    finally:
        runner.stop()


def _warm_pool(pool, pages, remote: _Remote) -> None:
    """Every page through each process of ``pool`` once (see :func:`_extraction_only`)."""
    from concurrent.futures import ThreadPoolExecutor

    from pipeline.errors import PipelineError

    def one(page: tuple[str, str]) -> None:
        name, html = page
        try:
            pool.extract(html, remote.url(f"/test/{name}/"))
        except PipelineError:
            pass

    # Each process takes the next page when free; a round per process covers every page in
    # every process only roughly, which is what a long-running service's processes see.
    with ThreadPoolExecutor(pool.processes) as threads:
        list(threads.map(one, pages * pool.processes))


def _requests_per_page(pages, remote: _Remote, workdir: Path) -> dict[str, tuple[int, int]]:
    """Translate each page again into a fresh database, reading the stub's log between pages.

    Kept out of the timed passes so that reading the log costs them nothing.
    """
    counts: dict[str, tuple[int, int]] = {}
    seen = [len(remote.sent())]

    def between(name: str, _outcome: str) -> None:
        sizes = remote.sent()
        counts[name] = (len(sizes) - seen[0], sum(sizes[seen[0]:]))
        seen[0] = len(sizes)

    _run_pages(pages, remote, workdir / "count.db", between=between)
    return counts


def main() -> int:
    args = sys.argv[1:]
    limit = None
    if "--limit" in args:
        at = args.index("--limit")
        limit = int(args[at + 1])
        del args[at:at + 2]
    data = Path(args[0]) if args else DATA
    if not (data / "articles").is_dir():
        print(f"skipped: no article corpus at {(data / 'articles').resolve()} "
              "(the shared data folder is not beside this checkout)")
        return 0
    pages = _pages(data, limit)
    context = multiprocessing.get_context("spawn")
    ready_here, ready_there = context.Pipe()
    stop_here, stop_there = context.Pipe()
    server = context.Process(target=_serve, args=(data, limit, ready_there, stop_there),
                             daemon=True)
    server.start()
    remote = _Remote(*ready_here.recv())
    try:
        with tempfile.TemporaryDirectory() as tmp:
            # Untimed warm-up: the first extraction of a page in a new language compiles
            # dateparser's locale data, which neither timed pass should pay for.
            _extraction_only(pages, remote.site_url)
            # The machine's speed drifts: each pipeline pass is compared with the mean of
            # the extraction-only passes just before and just after it.
            extract_seconds, extracted = _extraction_only(pages, remote.site_url)
            ceilings = [extract_seconds]
            # Untimed: one page, so that module imports and first-use setup are not timed.
            _run_pages(pages[:1], remote, Path(tmp) / "warm.db")
            pipeline_seconds, outcomes = _run_pages(pages, remote, Path(tmp) / "one.db")
            ceilings.append(_extraction_only(pages, remote.site_url)[0])
            threaded_seconds, _ = _run_pages(pages, remote, Path(tmp) / "two.db", threads=2)
            ceilings.append(_extraction_only(pages, remote.site_url)[0])
            local_seconds, up_processes = _run_local(pages, remote, Path(tmp) / "up.db", threads=UP_THREADS)
            ceilings.append(_extraction_only(pages, remote.site_url)[0])
            per_page = _requests_per_page(pages, remote, Path(tmp))
    finally:
        stop_here.send(True)
        server.join(5)
    results = [(name, outcome, *per_page[name]) for name, outcome in outcomes]

    drafts = [r for r in results if r[1] == "draft"]
    translated = [r for r in drafts if r[2] > 0]
    over = [(name, n, math.ceil(chars / GOOGLE_LIMIT)) for name, _, n, chars in translated
            if n > math.ceil(chars / GOOGLE_LIMIT) + 1]
    requests = sum(r[2] for r in translated)
    minimum = sum(math.ceil(r[3] / GOOGLE_LIMIT) for r in translated)
    rates = [len(pages) / seconds for seconds in ceilings]
    extract_rate = sum(rates) / len(rates)

    def against_extraction(rate: float, after: int) -> str:
        """``rate`` over the mean extraction-only rate of the passes around it."""
        return f"{rate / ((rates[after - 1] + rates[after]) / 2):.2f}"
    pipeline_rate = len(pages) / pipeline_seconds
    threaded_rate = len(pages) / threaded_seconds
    local_rate = len(pages) / local_seconds
    failures: dict[str, int] = {}
    for _, outcome, _, _ in results:
        if outcome != "draft":
            failures[outcome] = failures.get(outcome, 0) + 1
    rows = [
        ("pages", len(pages)),
        ("extraction only: pages/s", f"{extract_rate:.2f}  ({extracted} extracted; "
                                     f"{min(rates):.2f}-{max(rates):.2f} over {len(rates)} passes)"),
        ("whole pipeline: pages/s", f"{pipeline_rate:.2f}  ({len(drafts)} drafts)"),
        ("pipeline / extraction (target >= 0.80)", against_extraction(pipeline_rate, 1)),
        ("whole pipeline, 2 threads: pages/s", f"{threaded_rate:.2f}"),
        ("2 threads / extraction", against_extraction(threaded_rate, 2)),
        (f"as `up` runs it ({UP_THREADS} runners, {up_processes} extraction processes): "
         "pages/s", f"{local_rate:.2f}"),
        ("`up` / extraction (target >= 0.80)", against_extraction(local_rate, 3)),
        ("pages sent to the provider", len(translated)),
        ("requests per page", f"{requests / max(len(translated), 1):.2f}"),
        ("minimum ceil(chars/5000) per page", f"{minimum / max(len(translated), 1):.2f}"),
        ("pages over minimum + 1 (target 0)", len(over)),
        ("characters sent per page", f"{sum(r[3] for r in translated) / max(len(translated), 1):,.0f}"),
    ]
    rows += [(f"failed: {reason}", count) for reason, count in sorted(failures.items())]
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    for name, n, least in over:
        print(f"  over: {name}: {n} requests, minimum {least}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
