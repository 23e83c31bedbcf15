"""Start-up time of the commands an operator types most, beside a bare ``python -c pass``.

Each command runs RUNS times in a fresh process against a throwaway SQLite database (migrated
before the clock starts); the table shows the median and the fastest run in milliseconds.
Run from the repository root: ``python bench/startup.py [RUNS]``.
"""

from __future__ import annotations

import os
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
    "transdraft status": [sys.executable, "-m", "cli", "status"],
    "transdraft drafts list": [sys.executable, "-m", "cli", "drafts", "list"],
}


def timed(argv: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(argv, env=env, cwd=REPO, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, check=True)
    return (time.perf_counter() - started) * 1000


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDRAFT_")}
        env["TRANSDRAFT_DATABASE_URL"] = f"sqlite:///{folder}/bench.db"
        timed(COMMANDS["transdraft status"], env)  # creates and migrates the database
        samples: dict[str, list[float]] = {name: [] for name in COMMANDS}
        for _ in range(runs):  # interleaved, so drift in machine load hits every command
            for name, argv in COMMANDS.items():
                samples[name].append(timed(argv, env))
    base = statistics.median(samples["python -c pass"])
    print(f"| command | median ms ({runs} runs) | fastest ms | median minus python -c pass |")
    print("|---|---|---|---|")
    for name, values in samples.items():
        median = statistics.median(values)
        print(f"| `{name}` | {median:.0f} | {min(values):.0f} | {median - base:.0f} |")


if __name__ == "__main__":
    main()
