"""Publishing now, in this process (``transdraft publish``): run a publish job to its end.

The job is claimed and run with :func:`pipeline.jobs.execution.execute`, exactly as a worker
would, so its lease, retries and record are the same; the caller only waits for it.
"""

from __future__ import annotations

import time

from sqlalchemy import select

from pipeline.db.models import Job, Publication, utcnow
from pipeline.db.session import session_scope
from pipeline.errors import PipelineError
from pipeline.jobs.execution import execute
from pipeline.jobs.services import Services
from pipeline.vocabulary import JobState


def publish_now(database_url: str, job_id: int, services: Services,
                timeout: float = 120.0) -> str:
    """Run publish job ``job_id`` here (or wait for the worker that has it); its post's URL.

    Raises PipelineError with the job's reason when it fails, or when it is still retrying
    after ``timeout`` seconds (the workers go on with it then).
    """
    deadline = time.monotonic() + timeout
    while True:
        execute(database_url, job_id, services)
        with session_scope(database_url) as session:
            job = session.get(Job, job_id)
            state, error, due = job.state, job.last_error, job.next_attempt_at
            if state == JobState.done:
                publication = session.scalars(
                    select(Publication).where(Publication.job_id == job_id)).first()
                return publication.url if publication else ""
        if state == JobState.failed:
            raise PipelineError(error or "publish failed")
        if time.monotonic() > deadline:
            raise PipelineError(f"publish job {job_id} is still {state} ({error or 'waiting'}); "
                                f"the workers go on with it: transdraft jobs show {job_id}")
        # Queued: until its backoff is over; running elsewhere: a short poll.
        wait = 0.2
        if state == JobState.queued and due is not None:
            wait = max(wait, (due - utcnow()).total_seconds())
        time.sleep(min(wait, 5.0, max(0.0, deadline - time.monotonic())))
