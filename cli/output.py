"""How list and show commands print: ``--format json`` is one JSON document on stdout, any
other format is lines of text for a person."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import typer


def check_format(value: str, allowed: tuple[str, ...] = ("text", "json")) -> None:
    """A usage error (exit 2) naming the choices when ``--format`` is none of ``allowed``."""
    if value not in allowed:
        choices = f"{', '.join(allowed[:-1])} or {allowed[-1]}" if len(allowed) > 1 else allowed[0]
        raise typer.BadParameter(f"choose {choices}", param_hint="--format")


def show(format: str, document: Any, text: Iterable[str], indent: int | None = None) -> None:
    """Print ``document`` as JSON when ``format`` is json, else each line of ``text``.

    Pass ``text`` as a generator: it does not run when the output is JSON.
    """
    if format == "json":
        typer.echo(json.dumps(document, ensure_ascii=False, indent=indent))
        return
    for line in text:
        typer.echo(line)
