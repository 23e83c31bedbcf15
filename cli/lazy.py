"""Commands whose code is imported only when they run, so help and cheap commands start fast.

A :class:`LazyGroup` knows each of its commands by name, one-line help and module (the table
in cli/main.py). ``transdraft --help`` and ``transdraft GROUP --help`` are drawn from that
table alone; the module of a command is imported when the command runs or shows its own help,
and it imports at its top what its commands need (the database, a provider, Celery, the web
app), nothing else. A command module registers its commands on its own ``app = typer.Typer()``
under the names the table uses.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group


@dataclass(frozen=True)
class Command:
    """A command of ``module``'s ``app``; ``help`` is the first paragraph of its docstring."""

    module: str
    help: str


@dataclass(frozen=True)
class Group:
    """A group of commands, listed in this order under ``help``."""

    help: str
    commands: Mapping[str, Command]


Entries = Mapping[str, Command | Group]


class Listed(TyperCommand):
    """A command as a help listing shows it (name and help line), before its module loads."""

    def invoke(self, ctx: typer.Context) -> Any:
        raise RuntimeError(f"command {self.name!r} runs only once its module is loaded")


class LazyGroup(TyperGroup):
    """A group that lists its commands from :attr:`entries` and loads one only to run it."""

    entries: Entries = {}

    def __init__(self, *, entries: Entries | None = None, **attrs: Any) -> None:
        super().__init__(**attrs)
        if entries is not None:
            self.entries = entries
        for name, entry in self.entries.items():
            self.commands.setdefault(name, Listed(name, help=entry.help,
                                                  rich_markup_mode=self.rich_markup_mode))

    def resolve_command(self, ctx: typer.Context, args: list[str]) -> tuple[Any, Any, list[str]]:
        """The command named first in ``args``, loaded (the base class finds the name, or says
        which names come close)."""
        name, command, rest = super().resolve_command(ctx, args)
        if isinstance(command, Listed):
            command = self.commands[name] = self.load(name)
        return name, command, rest

    def load(self, name: str) -> TyperCommand | TyperGroup:
        """Command ``name`` ready to run: a group at once, a command from its module's ``app``."""
        entry = self.entries[name]
        if isinstance(entry, Group):
            return LazyGroup(name=name, help=entry.help, entries=entry.commands,
                             no_args_is_help=True, rich_markup_mode=self.rich_markup_mode,
                             suggest_commands=self.suggest_commands)
        commands = get_group(importlib.import_module(entry.module).app).commands
        if name not in commands:
            raise LookupError(f"{entry.module} registers no command {name!r}")
        return commands[name]
