"""``blocks check [--lang LANG]``: the block templates, their language variants, and whether
each renders, shown before any article is translated."""

from __future__ import annotations

from typing import Optional

import typer

from cli.common import fail, load_settings
from pipeline.drafts.compose import BlockTemplates
from pipeline.errors import TemplateError
from pipeline.languages import primary_subtag

app = typer.Typer()


@app.command("check")
def check_command(
    lang: Optional[str] = typer.Option(None, "--lang",
                                       help="Also show what a draft in LANG gets (default: every language with a variant)."),
) -> None:
    """List every block with its variants and the missing ones; render each with sample values.

    A template that does not compile or render exits 1 with its file and line.
    """
    settings = load_settings()
    try:
        # Building the templates compiles and test-renders every file with sample values.
        templates = BlockTemplates.from_settings(settings)
    except TemplateError as error:
        raise fail(error.reason) from None
    inventory = templates.inventory()
    typer.echo(f"blocks folder: {templates.blocks_dir}")
    if not inventory:
        typer.echo("no blocks: drafts get no header or footer")
        return
    known = sorted({variant for *_, variants in inventory for variant in variants})
    langs = [primary_subtag(lang)] if lang else known
    for position, name, default, variants in inventory:
        typer.echo(f"{position}/{name}: default {default or '(none)'}; "
                   f"variants {' '.join(variants) or '(none)'}")
        missing = [code for code in langs if code not in variants]
        if missing:
            typer.echo(f"  missing: {', '.join(f'{position}/{name}.{code}.html.j2' for code in missing)}"
                       + ("  (the default is used)" if default else "  (left out)"))
    if lang:
        _show_samples(templates, inventory, lang)
    typer.echo(f"{len(inventory)} blocks render with sample values"
               + (f" ({', '.join(known)} variants)" if known else ""))


def _show_samples(templates, inventory, lang: str) -> None:
    """What a draft in ``lang`` gets from each block, rendered with sample values."""
    typer.echo(f"sample rendering for {lang}:")
    for position, name, _default, _variants in inventory:
        rendered = templates.render_sample(position, name, lang)
        if not rendered:
            typer.echo(f"  {position}/{name}: nothing (no file for {lang})")
            continue
        file, html = rendered[0]  # the sample article with this install's site settings
        text = " ".join(html.split()) or "(empty: shown only when its settings are set)"
        typer.echo(f"  {file}: {text[:300]}")
