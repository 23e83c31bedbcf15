"""Start-up time of the commands an operator types most, beside a bare ``python -c pass``.

Each command runs RUNS times in a fresh process against a throwaway SQLite database (migrated
before the clock starts); the table shows the median and the fastest run in milliseconds,
and the median CPU time (user plus system) of the process, which load from other work on the
machine disturbs less than the wall clock.
Run from the repository root: ``python bench/startup.py [RUNS]``.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "transdraft --help": [sys.executable, "-m", "cli", "--help"],
    "transdraft drafts --help": [sys.executable, "-m", "cli", "drafts", "--help"],
    "transdraft status": [sys.executable, "-m", "cli", "status"],
    "transdraft drafts list": [sys.executable, "-m", "cli", "drafts", "list"],
}


def timed(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU milliseconds of one run of ``argv``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall * 1000, cpu * 1000


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDRAFT_")}
        env["TRANSDRAFT_DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
        timed(COMMANDS["transdraft status"], env)  # creates and migrates the database
        samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
        cpu: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(runs):  # interleaved, so drift in machine load hits every command
            for name, argv in COMMANDS.items():
                wall, used = timed(argv, env)
                samples[name].append(wall)
                cpu[name].append(used)
    base = statistics.median(samples["python -c pass"])
    print(f"| command | median ms ({runs} runs) | fastest ms | median minus python -c pass "
          "| median CPU ms |")
    print("|---|---|---|---|---|")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"| `{name}` | {median:.0f} | {min(values):.0f} | {median - base:.0f} "
              f"| {statistics.median(cpu[name]):.0f} |")


if __name__ == "__main__":
    main()
