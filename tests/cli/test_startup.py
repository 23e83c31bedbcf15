"""Where the database is by default, what an empty one looks like, and what start-up imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from cli.lazy import Group
from cli.main import COMMANDS

REPO = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow  # every test here starts fresh Python processes


def _clean_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRANSDRAFT_")}
    env.update(PYTHONPATH=str(REPO), HOME=str(tmp_path / "home"),
               XDG_DATA_HOME=str(tmp_path / "data"))
    return env


def test_default_database_is_in_the_user_data_directory_whatever_the_folder(tmp_path):
    env = _clean_env(tmp_path)
    expected = tmp_path / "data" / "transdraft" / "transdraft.db"
    outputs = []
    for folder in ("one", "two"):
        (tmp_path / folder).mkdir()
        done = subprocess.run([sys.executable, "-m", "cli", "status"], cwd=tmp_path / folder,
                              env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout)
        assert not (tmp_path / folder / "transdraft.db").exists()
    assert expected.is_file()
    assert f"database: sqlite:///{expected}" in outputs[0]
    assert "the database is empty" in outputs[0]
    assert outputs[0] == outputs[1]


def test_empty_drafts_list_says_so_on_stderr_and_keeps_stdout_clean(transdraft, tmp_path):
    env = {"TRANSDRAFT_DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    run = transdraft("drafts", "list", env=env)
    assert run.code == 0
    assert run.stdout == ""
    assert run.stderr.strip() == f"no drafts in sqlite:///{tmp_path / 'empty.db'}"
    assert json.loads(transdraft("drafts", "list", "--format", "json", env=env).stdout) == []


def test_status_hides_the_database_password(transdraft, pg_url):
    from sqlalchemy.engine import make_url

    url = make_url(pg_url).set(password="s3cret-pass").render_as_string(hide_password=False)
    run = transdraft("status", env={"TRANSDRAFT_DATABASE_URL": url})
    assert "s3cret-pass" not in run.stdout + run.stderr


HEAVY = ("sqlalchemy", "celery", "fastapi", "trafilatura", "deep_translator", "httpx")
# For status and drafts list: no provider, extractor, Celery or web module.
NOT_FOR_READING = ("pipeline.translate", "pipeline.extract", "trafilatura", "deep_translator",
                   "celery", "kombu", "worker", "web", "fastapi", "starlette", "uvicorn",
                   "httpx", "feedparser")


def _modules_after(args: list[str], tmp_path: Path) -> set[str]:
    probe = ("import sys\n"
             f"sys.argv = ['transdraft', *{args!r}]\n"
             "from cli.main import app\n"
             "try:\n    app()\nexcept SystemExit:\n    pass\n"
             "print('\\n'.join(sorted(sys.modules)), file=sys.stderr)\n")
    env = _clean_env(tmp_path)
    env["TRANSDRAFT_DATABASE_URL"] = f"sqlite:///{tmp_path / 'probe.db'}"
    done = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    return set(done.stderr.split())


def _loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if any(m == n or m.startswith(n + ".") for n in names))


# The modules of the commands themselves: a listing is drawn from cli/main.py's table alone.
COMMAND_MODULES = tuple(sorted({entry.module for group in COMMANDS.values()
                                for entry in (group.commands.values()
                                              if isinstance(group, Group) else [group])}))


def test_help_imports_no_database_queue_web_or_http_stack(tmp_path):
    modules = _modules_after(["--help"], tmp_path)
    assert _loaded(modules, HEAVY) == []
    assert _loaded(modules, COMMAND_MODULES) == []


@pytest.mark.parametrize("group", [name for name, entry in COMMANDS.items()
                                   if isinstance(entry, Group)])
def test_group_help_imports_no_command_module_nor_heavy_stack(tmp_path, group):
    modules = _modules_after([group, "--help"], tmp_path)
    assert "cli.lazy" in modules  # the probe did run the command
    assert _loaded(modules, HEAVY) == []
    assert _loaded(modules, COMMAND_MODULES) == []


@pytest.mark.parametrize("args", [["status"], ["drafts", "list"]])
def test_reading_commands_import_no_provider_extractor_celery_or_web(tmp_path, args):
    modules = _modules_after(args, tmp_path)
    assert "pipeline.db.session" in modules  # the probe did run the command
    assert _loaded(modules, NOT_FOR_READING) == []


def test_status_on_a_current_database_loads_no_alembic(tmp_path):
    _modules_after(["status"], tmp_path)  # the first run creates and migrates
    assert _loaded(_modules_after(["status"], tmp_path), ("alembic",)) == []
