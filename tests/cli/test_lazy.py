"""The command table of cli/main.py against the command modules it names."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
import typer
from typer.main import get_group
from typer.testing import CliRunner

import cli
from cli.lazy import Command, Group, LazyGroup, Listed
from cli.main import COMMANDS, app


def _listed() -> list[tuple[str, Command]]:
    """Every command of the table with its path (``drafts list``)."""
    found = []
    for name, entry in COMMANDS.items():
        if isinstance(entry, Group):
            found += [(f"{name} {sub}", command) for sub, command in entry.commands.items()]
        else:
            found.append((name, entry))
    return found


@pytest.mark.parametrize(("path", "entry"), _listed(), ids=lambda value: str(value))
def test_each_listed_command_loads_with_the_help_line_it_is_listed_with(path, entry):
    name = path.split()[-1]
    command = get_group(importlib.import_module(entry.module).app).commands[name]
    first_paragraph = inspect.cleandoc(command.help).split("\n\n")[0].replace("\n", " ")
    assert entry.help == first_paragraph


def test_every_command_of_a_command_module_is_listed():
    listed = {(entry.module, path.split()[-1]) for path, entry in _listed()}
    registered = set()
    for module_info in pkgutil.iter_modules(cli.__path__):
        module = importlib.import_module(f"cli.{module_info.name}")
        if isinstance(getattr(module, "app", None), typer.Typer) and module.app is not app:
            registered |= {(module.__name__, name) for name in get_group(module.app).commands}
    assert registered == listed


def test_a_command_is_loaded_to_run_and_a_listing_stays_a_listing():
    group = LazyGroup(name="demo", entries={"status": Command("cli.status", "Counts.")})
    assert isinstance(group.commands["status"], Listed)
    with typer.Context(group) as ctx:
        name, command, rest = group.resolve_command(ctx, ["status", "--format", "json"])
    assert (name, rest) == ("status", ["--format", "json"])
    assert not isinstance(command, Listed) and command.callback is not None
    assert group.commands["status"] is command  # loaded once per group


def test_a_table_entry_without_its_command_says_which(tmp_path):
    group = LazyGroup(name="demo", entries={"nothing": Command("cli.status", "Not there.")})
    with pytest.raises(LookupError, match="cli.status registers no command 'nothing'"):
        group.load("nothing")


def test_unknown_commands_still_get_suggestions():
    result = CliRunner().invoke(app, ["drafts", "lst"])
    assert result.exit_code == 2
    assert "No such command 'lst'. Did you mean 'list'?" in result.stderr
