"""Real processes for fault tests: our own redis-server, `transdraft worker` and `beat`
processes, an optional throwaway PostgreSQL cluster, and helpers to wait for the jobs.

Settings are short (sweep every second, 2 s grace, 3 s lease) so recovery takes seconds.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select

from config.settings import Settings
from pipeline.db.models import Draft, Job
from pipeline.db.session import session_scope
from tests.processes import children
from tests.services import missing, needs

REPO = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql")  # Debian keeps server binaries per version here

FAST = {
    "TRANSDRAFT_SWEEP_INTERVAL": "1",
    "TRANSDRAFT_DISPATCH_GRACE": "2",
    "TRANSDRAFT_TASK_SOFT_TIME_LIMIT": "6",
    "TRANSDRAFT_TASK_TIME_LIMIT": "7",
    "TRANSDRAFT_JOB_LEASE": "3",
    "TRANSDRAFT_BROKER_VISIBILITY_TIMEOUT": "60",
    "TRANSDRAFT_RETRY_BASE": "0.5",
    "TRANSDRAFT_RETRY_CAP": "2",
    "TRANSDRAFT_MAX_COUNTDOWN": "5",
    "TRANSDRAFT_MAX_ATTEMPTS": "10",
    "TRANSDRAFT_PROVIDER": "libre",
    "TRANSDRAFT_PROVIDER_TIMEOUT": "2",
    "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1",
    "TRANSDRAFT_FETCH_HOST_CONCURRENCY": "4",
    "TRANSDRAFT_FETCH_HOST_RATE": "0",
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


class RedisServer:
    """A redis-server of our own that keeps nothing on disk, so a restart forgets everything."""

    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.workdir = workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis(port=self.port)
        wait_for(lambda: _pings(client), 10, "redis-server to start")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.kill()  # no shutdown save: what was queued in Redis is gone
            self.process.wait(10)

    def restart(self, down_for: float = 1.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()


def _pings(client) -> bool:
    try:
        return bool(client.ping())
    except redis.ConnectionError:
        return False


@pytest.fixture
@needs("redis", "slow")
def redis_server(tmp_path):
    if shutil.which("redis-server") is None:
        missing("redis-server is not installed: apt-get install redis-server")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@dataclass
class Process:
    """A `transdraft` subprocess in its own process group, logging to a file."""

    args: list[str]
    env: dict[str, str]
    cwd: Path
    log: Path
    popen: subprocess.Popen | None = None

    def start(self) -> Process:
        self._log_file = open(self.log, "ab")
        self.popen = subprocess.Popen([sys.executable, "-m", "cli", *self.args], env=self.env,
                                      cwd=self.cwd, stdout=self._log_file,
                                      stderr=subprocess.STDOUT, start_new_session=True)
        return self

    @property
    def pid(self) -> int:
        return self.popen.pid

    def pool(self) -> list[int]:
        """The pool's child processes (a prefork worker)."""
        return children(self.pid)

    def kill_group(self) -> None:
        """kill -9 the main process and every child."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen is None:
            return
        if self.popen.poll() is None:
            os.killpg(self.pid, signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                pass
        self.kill_group()
        self._log_file.close()

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@dataclass
class Cluster:
    """The processes of one fault test; everything is stopped at the end."""

    env: dict[str, str]
    cwd: Path
    processes: list[Process] = field(default_factory=list)

    def _spawn(self, name: str, args: list[str]) -> Process:
        process = Process(args, self.env, self.cwd, self.cwd / f"{name}-{len(self.processes)}.log")
        self.processes.append(process)
        return process.start()

    def worker(self, concurrency: int = 2) -> Process:
        return self._spawn("worker", ["worker", "--concurrency", str(concurrency),
                                      "--loglevel", "INFO", "--without-mingle",
                                      "--without-gossip", "--pool", "prefork"])

    def beat(self) -> Process:
        return self._spawn("beat", ["beat", "--loglevel", "INFO", "--schedule",
                                    str(self.cwd / "beat-schedule")])

    def stop(self) -> None:
        for process in self.processes:
            process.stop()

    def logs(self) -> str:
        return "\n".join(f"--- {p.log.name}\n{p.output()[-3000:]}" for p in self.processes)


@pytest.fixture
@needs("slow")  # real worker and beat processes
def cluster_for(tmp_path):
    """``cluster_for(database_url, broker_url, libre_url, **settings)`` -> a Cluster."""
    made: list[Cluster] = []

    def make(database_url: str, broker_url: str, libre_url: str, **settings: str) -> Cluster:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDRAFT_")}
        env.update(FAST, PYTHONPATH=str(REPO), PYTHONUNBUFFERED="1",
                   TRANSDRAFT_DATABASE_URL=database_url,
                   TRANSDRAFT_BROKER_URL=broker_url, TRANSDRAFT_LIBRE_URL=libre_url)
        env.update({f"TRANSDRAFT_{k.upper()}": str(v) for k, v in settings.items()})
        cluster = Cluster(env, tmp_path)
        made.append(cluster)
        return cluster

    yield make
    for cluster in made:
        cluster.stop()


def settings_of(cluster: Cluster):
    values = {k[len("TRANSDRAFT_"):].lower(): v for k, v in cluster.env.items()
              if k.startswith("TRANSDRAFT_")}
    return Settings(**values)


def job_states(database_url: str) -> dict[str, int]:
    with session_scope(database_url) as session:
        return dict(session.execute(select(Job.state, func.count()).group_by(Job.state)).all())


def wait_until_all_terminal(database_url: str, expected_jobs: int, timeout: float,
                            cluster: Cluster) -> dict[str, int]:
    def terminal():
        states = job_states(database_url)
        if sum(states.values()) == expected_jobs and \
                states.get("queued", 0) == states.get("running", 0) == 0:
            return states
        return None

    try:
        return wait_for(terminal, timeout, "every job to end", interval=0.5)
    except AssertionError:
        raise AssertionError(f"jobs not terminal: {job_states(database_url)}\n{cluster.logs()}")


def failures(database_url: str) -> list[tuple[int, str]]:
    """(id, last error) of the failed jobs."""
    with session_scope(database_url) as session:
        return [tuple(row) for row in session.execute(select(Job.id, Job.last_error)
                                    .where(Job.state == "failed"))]


def assert_one_draft_per_article(database_url: str) -> None:
    """Every job ended visibly; each done job has the one draft of its article."""
    with session_scope(database_url) as session:
        jobs = session.scalars(select(Job)).all()
        for job in jobs:
            assert job.state in ("done", "failed"), (job.id, job.state)
            if job.state == "failed":
                assert job.last_error, f"job {job.id} failed without a reason"
            else:
                assert job.draft_id is not None and job.article_id is not None
        drafts = session.execute(select(Draft.article_id, Draft.target_lang)).all()
        assert len(drafts) == len(set(drafts))
        done_articles = {(job.article_id, job.target_lang) for job in jobs if job.state == "done"}
        assert set(drafts) == done_articles


def _server_binaries() -> Path:
    """Where initdb and pg_ctl are: Debian's versioned folder, else what pg_config says."""
    versions = sorted(p.name for p in PG_BIN.iterdir()) if PG_BIN.exists() else []
    if versions:
        return PG_BIN / versions[-1] / "bin"
    found = shutil.which("pg_config")
    if found:
        folder = Path(subprocess.run([found, "--bindir"], capture_output=True, text=True)
                      .stdout.strip())
        if (folder / "initdb").exists():
            return folder
    missing("PostgreSQL server binaries (initdb, pg_ctl) are not installed")


class PostgresCluster:
    """A throwaway PostgreSQL cluster of our own (never the shared service) to stop and start."""

    def __init__(self) -> None:
        self.bin = _server_binaries()
        self.dir = Path(tempfile.mkdtemp(prefix="transdraft-pg-"))
        self.port = free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        self._as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self._as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")
        subprocess.run([*self._as_postgres, str(self.bin / "initdb"), "-D", str(self.dir / "data"),
                        "-U", "postgres", "-A", "trust", "--no-sync"],
                       check=True, capture_output=True)

    def _ctl(self, *args: str) -> None:
        subprocess.run([*self._as_postgres, str(self.bin / "pg_ctl"), "-D", str(self.dir / "data"),
                        "-l", str(self.dir / "log"), "-w", "-t", "30", *args],
                       check=True, capture_output=True)

    def start(self) -> None:
        self._ctl("-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 "
                  "-c fsync=off", "start")

    def stop(self) -> None:
        self._ctl("-m", "fast", "stop")

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.CalledProcessError:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
@needs("postgres", "slow")
def own_postgres():
    cluster = PostgresCluster()
    cluster.start()
    yield cluster
    cluster.destroy()
