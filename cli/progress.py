"""What the operator sees while work runs: Rich on a terminal, plain lines otherwise.

Everything here writes to stderr, so stdout keeps only what scripts read (a draft id, a
summary line, JSON). On a terminal a live display (spinner, progress bar) replaces itself;
piped or logged, each change is one plain line, which reads well in a CI log or a cron mail.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from cli.common import fail
from pipeline.jobs.following import JobView, Tally, follow
from pipeline.reasons import TERMINAL_LIMIT, reason_line
from pipeline.vocabulary import JobState


def _is_terminal() -> bool:
    return sys.stderr.isatty()


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Stages:
    """The stages of one in-process ``translate``: a spinner line on a terminal."""

    def __init__(self) -> None:
        self._status = None
        self._last = ""

    def __enter__(self) -> Stages:
        if _is_terminal():
            self._status = Console(stderr=True).status("starting")
            self._status.start()
        return self

    def __exit__(self, *exc) -> None:
        if self._status is not None:
            self._status.stop()

    def __call__(self, stage: str, **detail) -> None:
        """The ``on_progress`` hook of the job's Services."""
        line = stage_line(stage, detail)
        if line == self._last:
            return
        self._last = line
        if self._status is not None:
            self._status.update(line)
        elif stage != "translating" or "done" not in detail or detail["done"] == detail["total"]:
            _say(line)  # plain: each stage once, and the segment count when complete


def stage_line(stage: str, detail: dict) -> str:
    """``fetching URL``, ``translating 12/40 segments with libre``, ``composing``, ..."""
    if stage == "fetching":
        return f"fetching {detail.get('url', '')}".strip()
    if stage == "translating" and "done" in detail:
        return (f"translating {detail['done']}/{detail['total']} segments with "
                f"{detail.get('provider', '')}").strip()
    if stage == "translating":
        return f"translating with {detail.get('provider', '')}".strip()
    if stage == "waiting":
        return (f"job {detail.get('job')} is running in another process (transdraft up or a "
                "worker); waiting for it")
    return stage


def draft_summary(draft_id: int, blocks: int, chars: dict[str, int], warnings: int) -> str:
    """One line that ends a ``translate``: the draft, its size, what was paid for, warnings."""
    sent = sum(chars.values())
    by = ", ".join(f"{name} {n:,}" for name, n in sorted(chars.items()))
    return (f"draft {draft_id}: {blocks} blocks, {sent:,} characters sent"
            + (f" ({by})" if by else "") + f", {warnings} warning{'' if warnings == 1 else 's'}")


class Counting:
    """A bar of items done on a terminal (``enqueue``'s URLs); nothing otherwise."""

    def __init__(self, total: int, label: str) -> None:
        self.total = total
        self.label = label
        self.bar: Progress | None = None

    def __enter__(self) -> Callable[[int], None]:
        if not _is_terminal():
            return lambda n: None
        bar = self.bar = Progress(console=Console(stderr=True), transient=True)
        bar.start()
        task = bar.add_task(self.label, total=self.total)
        return lambda n: bar.advance(task, n)

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()


def wait_for(database_url: str, job_ids: list[int]) -> None:
    """Follow ``job_ids`` on stderr until they end; exit 1 naming the failed ones."""
    failed = watch(database_url, job_ids)
    if failed:
        raise fail(f"{len(failed)} of {len(set(job_ids))} jobs failed")


def watch(database_url: str, ids: Sequence[int], interval: float = 0.5) -> list[JobView]:
    """Follow jobs ``ids`` until each is done or failed; return the failed ones.

    A terminal gets a bar of settled jobs with done/failed/running counts; otherwise one
    line per job as it settles.
    """
    if not ids:
        return []
    bar = task = None
    if _is_terminal():
        bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                       console=Console(stderr=True), transient=True)
        bar.start()
        task = bar.add_task("jobs", total=len(ids))
    reported: set[int] = set()
    views: list[JobView] = []
    try:
        for views in follow(database_url, ids, interval):
            tally = Tally.of(views)
            if bar is not None:
                bar.update(task, completed=tally.done + tally.failed,
                           description=f"done {tally.done}  failed {tally.failed}  "
                                       f"running {tally.running}  queued {tally.queued}")
                continue
            for view in views:
                if view.settled and view.id not in reported:
                    reported.add(view.id)
                    _say(job_line(view))
    finally:
        if bar is not None:
            bar.stop()
    tally = Tally.of(views)
    _say(f"jobs: {tally.done} done, {tally.failed} failed")
    failed = [view for view in views if view.state == JobState.failed]
    for view in failed:
        _say(f"  failed: {job_line(view)}")
    return failed


def job_line(view: JobView) -> str:
    """``job 3 done: draft 7  URL`` or ``job 4 failed at fetch: REASON  URL``."""
    if view.state == JobState.done:
        return f"job {view.id} done: draft {view.draft_id}  {view.url}"
    if view.state == JobState.failed:
        return reason_line(f"job {view.id} failed at {view.stage}: {view.last_error}  {view.url}",
                           TERMINAL_LIMIT)
    return f"job {view.id} {view.state} ({view.stage})  {view.url}"

