"""The ``transdraft`` command: a thin shell over the pipeline services."""

from __future__ import annotations

import logging

import typer

from cli import blocks, drafts, jobs, serve, sites, sources, tokens, translate, users

app = typer.Typer(no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False,
                  help="transdraft: fetch, translate and review articles.")
translate.register(app)
jobs.register(app)
app.add_typer(drafts.app, name="drafts", help="Read and decide on drafts.")
app.add_typer(sources.app, name="sources", help="Feeds and sitemaps read on a schedule.")
app.add_typer(users.app, name="users", help="Accounts for the web app and the API.")
tokens.register(users.app)
app.add_typer(tokens.tokens_app, name="tokens", help="API tokens: list and revoke.")
app.command("serve")(serve.serve)
app.add_typer(blocks.app, name="blocks", help="Check the header and footer block templates.")
sites.register(app)


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr.")) -> None:
    """transdraft: fetch, translate and review articles."""
    from config.settings import get_settings
    from pipeline.accounts import audit

    get_settings.cache_clear()  # one invocation, one reading of the environment
    audit.act_as(audit.Actor("cli", None, audit.CLI))  # audit events say the CLI did it
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
