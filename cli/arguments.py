"""Checks of command-line arguments, before they reach the database or a header: the same
rules as the HTTP API's edge (pipeline.validation). A bad value is a usage error (exit 2)."""

from __future__ import annotations

import typer

from config.settings import PROVIDER_NAMES
from pipeline.validation import InvalidInput, language_tag


def language(value: str | None) -> str | None:
    """A ``--to``/``--from`` value, checked as a BCP 47 tag; None when not given."""
    if value is None:
        return None
    try:
        language_tag(value)
        return value.strip()
    except InvalidInput as error:
        raise typer.BadParameter(error.reason) from None


def check_providers(chain: str) -> None:
    """A ``--provider`` value: a provider name or a comma-separated chain of them."""
    for name in chain.split(","):
        if name.strip().lower() not in PROVIDER_NAMES:
            raise typer.BadParameter(
                f"unknown provider {name.strip()!r}; choose from {', '.join(PROVIDER_NAMES)}",
                param_hint="--provider",
            )
