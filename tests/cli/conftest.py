"""Running the real ``transdraft`` command in a subprocess, against stub servers."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.services import needs

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str


@pytest.fixture
@needs("slow")  # a new Python process per command
def transdraft(tmp_path):
    """Call ``transdraft ARGS`` as a separate process with the given TRANSDRAFT_* settings."""

    def run(*args: str, env: dict[str, str] | None = None, stdin: str | None = None,
            timeout: float = 90) -> Run:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDRAFT_")}
        environment["PYTHONPATH"] = str(REPO)
        environment.update(env or {})
        done = subprocess.run([sys.executable, "-m", "cli", *args], capture_output=True,
                              text=True, env=environment, cwd=tmp_path, input=stdin,
                              timeout=timeout)
        return Run(done.returncode, done.stdout, done.stderr)

    return run


@pytest.fixture
def seed_html() -> str:
    return (FIXTURES / "seed_article.html").read_text(encoding="utf-8")
