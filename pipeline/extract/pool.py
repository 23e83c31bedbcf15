"""Extraction in worker processes, for running several jobs in one process (``transdraft up``).

Extraction is pure-Python CPU work that holds the interpreter lock: on runner threads, two
pages cannot be extracted at once and every other thread (fetches, provider requests, the web
app) waits while one is. Handed to a pool of processes, extraction runs on other cores while
the threads go on with the I/O of other jobs. The pool (pebble's) also bounds what one page
can do: a page whose extraction runs past ``timeout`` has its process killed and replaced, and
a process that dies (a crash in a C library, the OOM killer) fails that one page, not the
service.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
from concurrent.futures.process import BrokenProcessPool

from pebble import ProcessExpired, ProcessPool

from pipeline.document import ExtractedArticle
from pipeline.errors import PermanentError, PipelineError, TransientError
from pipeline.extract import extract

log = logging.getLogger(__name__)

# Seconds one page may take; a normal page takes well under a second.
EXTRACT_TIMEOUT = 120.0
# Replace a process after this many pages, so that what lxml and caches keep stays bounded.
TASKS_PER_PROCESS = 500


def _extract(html: str, url: str) -> ExtractedArticle:
    """In the worker process: the pipeline's extraction, with failures made portable."""
    try:
        return extract(html, url)
    except PipelineError:
        raise
    except Exception as error:  # noqa: BLE001 - any library error must reach the job
        # Library exceptions may not survive pickling back to the parent: send a plain one.
        raise RuntimeError(f"{type(error).__name__}: {error}") from None


def _start() -> None:
    """In each new worker process (which has loaded the extraction stack by importing this
    module): leave Ctrl-C to the parent, which stops the pool when its runners are done."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class ExtractionPool:
    """``processes`` extraction processes shared by the threads of one process.

    Call :meth:`extract` from any thread; it blocks until the page is done. :meth:`close`
    lets the extractions under way finish, then stops the processes.
    """

    def __init__(self, processes: int, timeout: float = EXTRACT_TIMEOUT) -> None:
        if processes < 1:
            raise ValueError("an extraction pool needs at least one process")
        self.processes = processes
        self.timeout = timeout
        self._unavailable = False
        # forkserver: the processes start from a clean interpreter, not a copy of this
        # threaded one (with its database connections and held locks).
        self._pool = ProcessPool(max_workers=processes, max_tasks=TASKS_PER_PROCESS,
                                 initializer=_start,
                                 context=multiprocessing.get_context("forkserver"))

    def extract(self, html: str, url: str) -> ExtractedArticle:
        """The article in ``html``, as :func:`pipeline.extract.extract` would return it."""
        if self._unavailable:
            return extract(html, url)
        try:
            future = self._pool.schedule(_extract, args=(html, url), timeout=self.timeout)
        except RuntimeError as error:  # pebble: the pool has failed, or was closed
            return self._fall_back(error, html, url)
        try:
            return future.result()
        except BrokenProcessPool as error:  # no process could start
            return self._fall_back(error, html, url)
        except TimeoutError:  # concurrent.futures.TimeoutError since Python 3.11
            raise PermanentError(
                f"extraction took longer than {self.timeout:g} s and was stopped") from None
        except ProcessExpired as error:
            # Killed from outside or crashed: the page may be innocent, so try again later
            # (a page that kills its extractor every time runs out of attempts).
            log.warning("extraction process %s died (exit code %s)", error.pid, error.exitcode)
            raise TransientError(
                f"extraction process died (exit code {error.exitcode})") from None

    def _fall_back(self, error: Exception, html: str, url: str) -> ExtractedArticle:
        """Extract in this process from now on rather than fail every page: the processes
        cannot run (an import failing in them, a main module that cannot be loaded again)."""
        if not self._unavailable:
            self._unavailable = True
            log.error("extraction processes unavailable (%s); extracting in this process",
                      error)
        return extract(html, url)

    def close(self, timeout: float = 10.0) -> None:
        """Let extractions under way finish (up to ``timeout``), then stop the processes."""
        self._pool.close()
        try:
            self._pool.join(timeout)
        except TimeoutError:
            self._pool.stop()
            self._pool.join()

    def __enter__(self) -> ExtractionPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
