"""Extraction in worker processes: same result as in this thread, and a page that takes too
long or a process that dies fails one page, not the pool."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import pytest

from pipeline.errors import NotAnArticle, PermanentError, TransientError
from pipeline.extract import NO_MAIN_TEXT, extract
from pipeline.extract.pool import ExtractionPool
from tests.processes import children

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PAGE_URL = "https://news.example.org/climate/2025/03/marrow-bay-rebuild"
SEED = (FIXTURES / "seed_article.html").read_text(encoding="utf-8")
pytestmark = pytest.mark.slow  # extraction processes started, killed and timed out


def _slow_page(paragraphs: int) -> str:
    """A long but ordinary article: about a second of extraction per 4000 paragraphs here."""
    body = "".join(f"<p>Paragraph {n} of a long report on coastal works, with enough words "
                   f"to count as running text for the extractor.</p>" for n in range(paragraphs))
    return f"<html><head><title>Long report</title></head><body><article>{body}</article></body></html>"


@pytest.fixture(scope="module")
def pool():
    with ExtractionPool(1) as shared:
        yield shared


def test_the_pool_extracts_what_this_thread_would(pool):
    assert pool.extract(SEED, PAGE_URL) == extract(SEED, PAGE_URL)


def test_a_page_without_main_text_fails_with_the_same_reason(pool):
    nav_only = (FIXTURES / "nav_only.html").read_text(encoding="utf-8")
    with pytest.raises(NotAnArticle) as failure:
        pool.extract(nav_only, PAGE_URL)
    assert failure.value.reason == NO_MAIN_TEXT


def test_threads_share_the_pool(pool):
    results = []

    def one() -> None:
        results.append(pool.extract(SEED, PAGE_URL).title)

    threads = [threading.Thread(target=one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(results) == 4 and len(set(results)) == 1 and results[0]


def test_a_page_over_the_time_limit_is_stopped_and_the_pool_goes_on():
    with ExtractionPool(1, timeout=0.5) as pool:
        started = time.monotonic()
        with pytest.raises(PermanentError) as failure:
            pool.extract(_slow_page(6000), PAGE_URL)
        assert failure.value.reason == "extraction took longer than 0.5 s and was stopped"
        assert time.monotonic() - started < 10
        pool.timeout = 60
        assert pool.extract(SEED, PAGE_URL).title


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc to find the processes")
def test_a_killed_extraction_process_fails_its_page_for_a_retry_and_is_replaced():
    with ExtractionPool(1) as pool:
        assert pool.extract(SEED, PAGE_URL).title  # the worker process is up
        outcome: list[BaseException] = []

        def slow() -> None:
            try:
                pool.extract(_slow_page(40000), PAGE_URL)
            except BaseException as error:  # noqa: BLE001 - the test inspects it
                outcome.append(error)

        thread = threading.Thread(target=slow)
        thread.start()
        time.sleep(1.0)  # the slow page is being extracted now
        # Workers are the grandchildren: this process -> forkserver -> worker.
        workers = [pid for child in children(os.getpid()) for pid in children(child)]
        assert workers
        for pid in workers:
            os.kill(pid, signal.SIGKILL)
        thread.join(60)
        assert len(outcome) == 1 and isinstance(outcome[0], TransientError), outcome
        assert outcome[0].reason == "extraction process died (exit code -9)"
        # A new process takes the next page.
        assert pool.extract(SEED, PAGE_URL) == extract(SEED, PAGE_URL)


def test_processes_that_cannot_start_leave_extraction_to_this_process(monkeypatch, caplog):
    # As when the program's main module cannot be loaded again in a new process (a script
    # read from stdin, a file removed since): every process exits at once.
    import sys

    main = sys.modules["__main__"]
    monkeypatch.setattr(main, "__spec__", None, raising=False)  # not loaded by module name
    monkeypatch.setattr(main, "__file__", "/nonexistent/transdraft-main.py", raising=False)
    with ExtractionPool(1) as pool:
        assert pool.extract(SEED, PAGE_URL) == extract(SEED, PAGE_URL)
        assert pool.extract(SEED, PAGE_URL).title  # the next page too, without a new try
    assert [r.message for r in caplog.records if r.levelname == "ERROR"][0].startswith(
        "extraction processes unavailable (")


def test_a_closed_pool_still_extracts():
    pool = ExtractionPool(1)
    pool.close()
    assert pool.extract(SEED, PAGE_URL).title
