"""Workers without a broker, for ``transdraft up``: threads that take due jobs from the database.

The same compare-and-set claim and the same stage code as the Celery workers, so everything
stays durable through the database: a job queued by ``enqueue`` or the web app is picked up
when it is due, and one left running by a crash is queued again when its lease runs out.
"""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from datetime import datetime, timezone

from sqlalchemy.exc import SQLAlchemyError

from config.settings import Settings
from pipeline.db.models import utcnow
from pipeline.db.session import session_scope
from pipeline.extract.pool import ExtractionPool
from pipeline.jobs.execution import execute
from pipeline.jobs.runners import BEAT_EVERY, beat, forget
from pipeline.jobs.services import Services
from pipeline.jobs.sweeper import due_jobs, sweep
from pipeline.reasons import first_line
from pipeline.sources.runs import run_due_sources

log = logging.getLogger(__name__)

SOURCES_EVERY = 60.0


def default_extract_processes(threads: int) -> int:
    """Extraction processes for ``threads`` runner threads: one each, up to the CPUs."""
    cpus = os.cpu_count() or 1
    return min(threads, cpus) if cpus > 1 else 0


class LocalRunner:
    """``threads`` job runners and one scheduler thread (sweeper and source runs).

    Pages are extracted in ``extract_processes`` worker processes (None: one per runner
    thread, up to the number of CPUs, none on a single CPU; 0: on the runner threads), so
    that extraction, which holds the interpreter lock, runs beside the other threads' I/O.
    """

    def __init__(self, settings: Settings, threads: int = 2, poll: float = 0.5,
                 extract_processes: int | None = None) -> None:
        self.settings = settings
        self.database_url = settings.database_url
        self.poll = poll
        self.stopping = threading.Event()
        if extract_processes is None:
            extract_processes = default_extract_processes(threads)
        self.extract_processes = extract_processes
        # In-process limiter and (from start) extraction pool: every runner thread shares them.
        self.services = Services(settings)
        self._threads = [threading.Thread(target=self._run_jobs, name=f"runner-{n}", daemon=True)
                         for n in range(threads)]
        self._threads.append(threading.Thread(target=self._schedule, name="scheduler",
                                              daemon=True))
        self.runner_id = f"{socket.gethostname()[:60]}:{os.getpid()}:{id(self):x}"

    def start(self) -> None:
        self.start_pool()
        for thread in self._threads:
            thread.start()

    def start_pool(self) -> None:
        """Start the extraction processes (``start`` does; :meth:`run_once` alone does not)."""
        if self.extract_processes > 0 and self.services.extraction_pool is None:
            self.services.extraction_pool = ExtractionPool(self.extract_processes)

    def stop(self, timeout: float = 30.0) -> None:
        """Let running stages finish (up to ``timeout``), then return."""
        self.stopping.set()
        self._beat(stopping=True)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            if thread.ident is not None:  # started
                thread.join(max(0.0, deadline - time.monotonic()))
        pool, self.services.extraction_pool = self.services.extraction_pool, None
        if pool is not None:
            pool.close(max(0.0, deadline - time.monotonic()))

    def run_once(self) -> bool:
        """Run one due job through its stages until it ends or must wait; False when none
        was due."""
        try:
            with session_scope(self.database_url) as session:
                candidates = due_jobs(session, utcnow(), limit=len(self._threads) * 2)
        except SQLAlchemyError as error:
            log.warning("runner: database unavailable: %s", first_line(error))
            return False
        if not candidates:
            return False
        # A random pick keeps threads from all racing for the same oldest job.
        job_id = random.choice(candidates)
        # The job's next stages follow at once on this thread: a started article is finished
        # before new ones are begun (the backlog's fetches would come first otherwise), and
        # the threads' fetch stages (extraction) and translate stages (I/O) interleave.
        while not self.stopping.is_set():
            done = execute(self.database_url, job_id, self.services)
            if not done.dispatch_now or done.delay > 0:  # finished, failed or backing off
                break
        return True

    def _run_jobs(self) -> None:
        while not self.stopping.is_set():
            try:
                worked = self.run_once()
            except Exception:  # noqa: BLE001 - a runner thread must survive anything
                log.exception("runner: unexpected error")
                worked = False
            if not worked:
                self.stopping.wait(self.poll)

    def _schedule(self) -> None:
        next_sweep = next_sources = next_beat = time.monotonic()
        while not self.stopping.is_set():
            now = time.monotonic()
            if now >= next_beat:
                next_beat = now + BEAT_EVERY
                self._beat()
            if now >= next_sweep:
                next_sweep = now + self.settings.sweep_interval
                self._sweep()
            if now >= next_sources:
                next_sources = now + SOURCES_EVERY
                self._run_sources()
            self.stopping.wait(min(1.0, self.settings.sweep_interval))

    def _beat(self, stopping: bool = False) -> None:
        """Tell enqueue and the web app that this database's jobs are run here (see
        :mod:`pipeline.jobs.runners`); on stop, that they are not any more."""
        try:
            with session_scope(self.database_url) as session:
                (forget if stopping else beat)(session, self.runner_id,
                                               datetime.now(timezone.utc))
        except SQLAlchemyError as error:
            log.warning("runner: heartbeat not recorded: %s", first_line(error))

    def _sweep(self) -> None:
        try:
            # Runners poll the database, so the ids to dispatch need no sending.
            sweep(self.database_url, self.settings.dispatch_grace)
        except Exception:  # noqa: BLE001 - the next sweep tries again
            log.exception("sweeper failed")

    def _run_sources(self) -> None:
        try:
            run_due_sources(self.database_url, datetime.now(timezone.utc))
        except Exception:  # noqa: BLE001 - one bad source run must not stop the scheduler
            log.exception("source run failed")
