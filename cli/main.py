"""The ``transdraft`` command (filled in by the pipeline work)."""

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.callback()
def main() -> None:
    """transdraft: fetch, translate and review articles."""
