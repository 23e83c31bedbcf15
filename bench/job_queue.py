"""Queue benchmark: python bench/job_queue.py [DATA]

1. enqueue throughput: 10,000 URLs through `transdraft enqueue --file` (SQLite and PostgreSQL);
2. end-to-end articles/s on the shared pages (DATA/articles, default ../shared/data beside the
   repository root) served on 127.0.0.1 with a zero-latency LibreTranslate stub: the
   in-process pipeline (the ceiling), then 1 and 2 worker processes;
3. recovery after kill -9 of a worker and after a Redis restart, with a 5 s sweeper period.

Needs redis-server and the PostgreSQL at TRANSDRAFT_TEST_PG (default: the local service);
starts its own Redis, makes throwaway databases and drops them. Per-host limits are off
(every page is on 127.0.0.1). Targets: enqueue >= 1,000 jobs/s; 2 workers >= 0.8 x the
ceiling; recovery within two sweeper periods.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
DATA = ROOT / ".." / "shared" / "data"
PG_ADMIN = os.environ.get("TRANSDRAFT_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SWEEP = 5.0

from sqlalchemy import create_engine, func, select, text  # noqa: E402 - after the repository joins sys.path

from tests.stubs.server import Response, StubServer  # noqa: E402 - after the repository joins sys.path
from tests.stubs.translators import libre_routes  # noqa: E402 - after the repository joins sys.path
from tests.worker.conftest import FAST, Cluster, RedisServer, wait_for  # noqa: E402 - after the repository joins sys.path


class Databases:
    """Throwaway PostgreSQL databases, dropped at the end."""

    def __init__(self) -> None:
        self.admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        self.names: list[str] = []

    def new(self) -> str:
        from pipeline.db.session import upgrade

        name = f"transdraft_bench_{uuid.uuid4().hex[:10]}"
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        self.names.append(name)
        url = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
        upgrade(url)
        return url

    def drop_all(self) -> None:
        from pipeline.db.session import get_engine

        for name in self.names:
            get_engine(PG_ADMIN.rsplit("/", 1)[0] + f"/{name}").dispose()
            with self.admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _env(database_url: str, broker_url: str, libre_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDRAFT_")}
    env.update(FAST, PYTHONPATH=str(ROOT), PYTHONUNBUFFERED="1",
               TRANSDRAFT_DATABASE_URL=database_url, TRANSDRAFT_BROKER_URL=broker_url,
               TRANSDRAFT_LIBRE_URL=libre_url, TRANSDRAFT_FETCH_HOST_CONCURRENCY="0",
               TRANSDRAFT_FETCH_HOST_RATE="0", TRANSDRAFT_TASK_SOFT_TIME_LIMIT="60",
               TRANSDRAFT_TASK_TIME_LIMIT="90", TRANSDRAFT_JOB_LEASE="30",
               TRANSDRAFT_BROKER_VISIBILITY_TIMEOUT="300",
               TRANSDRAFT_DISPATCH_GRACE="30", TRANSDRAFT_SWEEP_INTERVAL="30")
    env.update({f"TRANSDRAFT_{k.upper()}": v for k, v in extra.items()})
    return env


def _fresh(workdir: Path) -> Path:
    """A folder of its own for one set of processes (their logs)."""
    path = workdir / uuid.uuid4().hex[:8]
    path.mkdir()
    return path


def _states(database_url: str) -> dict[str, int]:
    from pipeline.db.models import Job
    from pipeline.db.session import session_scope

    with session_scope(database_url) as session:
        return dict(session.execute(select(Job.state, func.count()).group_by(Job.state)).all())


def _terminal(database_url: str, total: int) -> bool:
    states = _states(database_url)
    return states.get("done", 0) + states.get("failed", 0) >= total


def bench_enqueue(databases: Databases, redis: RedisServer, workdir: Path) -> list[tuple]:
    import subprocess

    urls = workdir / "urls.txt"
    urls.write_text("".join(f"https://bench.example/article/{n}\n" for n in range(10_000)))
    rows = []
    for label, database_url in [("SQLite", f"sqlite:///{workdir / 'enqueue.db'}"),
                                ("PostgreSQL", databases.new())]:
        if label == "SQLite":
            from pipeline.db.session import upgrade

            upgrade(database_url)  # as `transdraft db upgrade` would, outside the timing
        env = _env(database_url, redis.url, "http://127.0.0.1:9")
        started = time.perf_counter()
        run = subprocess.run([sys.executable, "-m", "cli", "enqueue", "--file", str(urls)],
                             env=env, cwd=workdir, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        assert run.returncode == 0 and run.stdout.startswith("new 10000"), run.stdout + run.stderr
        rows.append((f"enqueue 10,000 URLs via CLI ({label})", f"{10_000 / elapsed:,.0f} jobs/s",
                     f"{elapsed:.1f} s incl. process start", ">= 1,000 jobs/s"))
    redis.restart(0)  # drop the messages nobody will consume
    return rows


def _pages(data: Path) -> tuple[dict, list[str]]:
    folders = sorted(p for p in (data / "articles").iterdir() if (p / "source.html").is_file())
    pages = {f"/{p.name}/": (p / "source.html").read_bytes() for p in folders}
    return pages, [f"/{p.name}/" for p in folders]


def bench_end_to_end(databases: Databases, redis: RedisServer, data: Path,
                     workdir: Path) -> list[tuple]:
    from config.settings import Settings
    from pipeline.db.session import session_scope
    from pipeline.errors import PipelineError
    from pipeline.jobs.execution import run_in_foreground
    from pipeline.jobs.intake import enqueue
    from pipeline.jobs.services import Services
    from worker.dispatch import publish

    pages, paths = _pages(data)
    rows = []
    with StubServer(lambda r: Response(200, pages[r.path]) if r.path in pages
                    else Response(404, "")) as site, StubServer(libre_routes()) as libre:
        urls = [site.url(path) for path in paths]
        # The ceiling: the whole pipeline in this process, one article after another.
        database_url = databases.new()
        settings = Settings(**{k[len("TRANSDRAFT_"):].lower(): v for k, v in
                               _env(database_url, redis.url, libre.base_url).items()
                               if k.startswith("TRANSDRAFT_")})
        services = Services(settings)
        services.templates
        started = time.perf_counter()
        for url in urls:
            with session_scope(database_url) as session:
                job_id = enqueue(session, [url], "nl").new_ids[0]
            try:
                run_in_foreground(database_url, job_id, services, patience=0)
            except PipelineError:
                pass  # a page that is not an article fails; it counts as handled
        ceiling = len(urls) / (time.perf_counter() - started)
        states = _states(database_url)
        rows.append(("in-process pipeline (ceiling)", f"{ceiling:.1f} articles/s",
                     f"{states.get('done', 0)} done, {states.get('failed', 0)} failed", ""))

        for workers in (1, 2):
            database_url = databases.new()
            cluster = Cluster(_env(database_url, redis.url, libre.base_url), _fresh(workdir))
            try:
                processes = [cluster.worker(concurrency=1) for _ in range(workers)]
                for process in processes:
                    wait_for(lambda p=process: "ready." in p.output(), 60, "worker ready")
                started = time.perf_counter()
                with session_scope(database_url) as session:
                    ids = enqueue(session, urls, "nl").new_ids
                publish(ids, settings.model_copy(update={"database_url": database_url}))
                wait_for(lambda: _terminal(database_url, len(ids)), 600, "all jobs",
                         interval=0.1)
                rate = len(ids) / (time.perf_counter() - started)
            finally:
                cluster.stop()
            states = _states(database_url)
            target = f">= {0.8 * ceiling:.1f} (0.8 x ceiling)" if workers == 2 else ""
            rows.append((f"{workers} worker process{'es' if workers > 1 else ''}",
                         f"{rate:.1f} articles/s ({rate / ceiling:.2f} x)",
                         f"{states.get('done', 0)} done, {states.get('failed', 0)} failed",
                         target))
    return rows


def _slow_site(delay: float):
    from tests.stubs.site import ArticleSite

    return ArticleSite(40, delay=delay)


def bench_recovery(databases: Databases, redis: RedisServer, workdir: Path) -> list[tuple]:
    """Seconds until the work a fault interrupted is under way again."""
    from config.settings import Settings
    from pipeline.db.models import Job
    from pipeline.db.session import session_scope
    from pipeline.jobs.intake import enqueue
    from worker.dispatch import publish

    rows = []
    fast = {"sweep_interval": str(SWEEP), "dispatch_grace": str(SWEEP), "job_lease": str(SWEEP)}
    with _slow_site(1.0) as site, StubServer(libre_routes()) as libre:
        for fault in ("kill -9 of a worker", "Redis restart"):
            database_url = databases.new()
            env = _env(database_url, redis.url, libre.base_url, **fast)
            cluster = Cluster(env, _fresh(workdir))
            try:
                victim = cluster.worker(concurrency=1)
                cluster.worker(concurrency=1)
                cluster.beat()
                for process in cluster.processes[:2]:
                    wait_for(lambda p=process: "ready." in p.output(), 60, "worker ready")
                with session_scope(database_url) as session:
                    ids = enqueue(session, site.urls()[:12], "nl").new_ids
                publish(ids, Settings(**{k[len("TRANSDRAFT_"):].lower(): v
                                         for k, v in env.items() if k.startswith("TRANSDRAFT_")}))
                wait_for(lambda: _states(database_url).get("running", 0) >= 2, 60, "running")
                with session_scope(database_url) as session:
                    if fault.startswith("kill"):
                        # The jobs in flight on both workers; the victim's must come back.
                        hit = {j.id: (j.stage, j.attempts) for j in session.scalars(
                            select(Job).where(Job.state == "running"))}
                    else:
                        hit = {j.id: (j.stage, j.attempts) for j in session.scalars(
                            select(Job).where(Job.state == "queued"))}
                started = time.perf_counter()
                if fault.startswith("kill"):
                    victim.kill_group()
                else:
                    redis.restart(0.5)

                def moved() -> bool:
                    # Recovered: every job the killed worker held is queued (and sent) or
                    # claimed again; every lost message is replaced by a claim.
                    with session_scope(database_url) as session:
                        now = {j.id: (j.stage, j.attempts, j.state) for j in session.scalars(
                            select(Job).where(Job.id.in_(list(hit))))}
                    if fault.startswith("kill"):
                        return all(now[i][2] != "running" or now[i][:2] != hit[i] for i in hit)
                    return any(now[i][2] != "queued" or now[i][:2] != hit[i] for i in hit)

                wait_for(moved, 120, "recovery", interval=0.1)
                recovery = time.perf_counter() - started
            finally:
                cluster.stop()
            what = ("every job of the killed worker sent again" if fault.startswith("kill")
                    else "first job whose message was lost claimed again")
            rows.append((f"recovery after {fault}", f"{recovery:.1f} s", what,
                         f"<= {2 * SWEEP:g} s (2 sweeper periods of {SWEEP:g} s)"))
    return rows


def main() -> int:
    given = [arg for arg in sys.argv[1:] if not arg.startswith("-")]
    data = Path(given[0]) if given else DATA
    databases = Databases()
    rows: list[tuple] = []
    with tempfile.TemporaryDirectory(prefix="transdraft-bench-") as tmp:
        workdir = Path(tmp)
        redis = RedisServer(workdir)
        redis.start()
        try:
            rows += bench_enqueue(databases, redis, workdir)
            if (data / "articles").is_dir():
                rows += bench_end_to_end(databases, redis, data, workdir)
            else:
                print(f"skipped end-to-end: no article corpus at {(data / 'articles').resolve()}"
                      " (pass DATA as the first argument)")
            rows += bench_recovery(databases, redis, workdir)
        finally:
            redis.stop()
            databases.drop_all()
    widths = [max(len(str(row[i])) for row in rows + [("measure", "result", "detail", "target")])
              for i in range(4)]
    for row in [("measure", "result", "detail", "target")] + rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths)).rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
