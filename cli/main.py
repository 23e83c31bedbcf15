"""The ``transdraft`` command: a thin shell over the pipeline services.

Every command is listed here with its module and help line; its module is imported only when
it runs (cli/lazy.py), so ``transdraft --help`` and the reading commands start fast.
"""

from __future__ import annotations

import logging

import typer

from cli.lazy import Command, Group, LazyGroup

COMMANDS = {
    "translate": Command("cli.translate", "Run the whole pipeline in this process (no broker) "
                                          "and print the draft id."),
    "status": Command("cli.status", "Counts of jobs by state and drafts by status."),
    "enqueue": Command("cli.enqueue", "Add durable jobs for URLs and send them to the workers."),
    "worker": Command("cli.celery_processes", "Start a Celery worker on every queue: fetch, "
                                              "translate, compose, dispatch, sweep."),
    "beat": Command("cli.celery_processes", "Start the scheduler: the sweeper every "
                                            "sweep_interval, due sources every minute."),
    "up": Command("cli.up", "Web app, workers and scheduler in one process, without an "
                            "external broker."),
    "serve": Command("cli.serve", "Serve the HTTP API and the reviewer UI."),
    "publish": Command("cli.publish", "Publish the approved revision; prints the published "
                                      "post's URL as the last line."),
    "db": Group("Database schema.", {
        "upgrade": Command("cli.database", "Apply the schema migrations to "
                                           "TRANSDRAFT_DATABASE_URL."),
    }),
    "jobs": Group("Look at jobs and retry failed ones.", {
        "list": Command("cli.jobs", "Jobs newest first; all matching unless --limit."),
        "show": Command("cli.jobs", "One job: its state, stage, attempts and last error."),
        "retry": Command("cli.jobs", "Queue a failed job again (or every failed one) from the "
                                     "stage it failed at."),
        "watch": Command("cli.job_watch", "Follow jobs until each is done or failed; exit 1 listing "
                                     "the failed ones."),
    }),
    "drafts": Group("Read and decide on drafts.", {
        "list": Command("cli.drafts", "Drafts, newest first."),
        "show": Command("cli.drafts", "One draft: the composed HTML, Markdown, or the JSON "
                                      "document."),
        "approve": Command("cli.draft_review", "Approve a draft; prints the revision approved "
                                               "(the one exports and publishing use)."),
        "reject": Command("cli.draft_review", "Reject a draft, saying why."),
    }),
    "sources": Group("Feeds and sitemaps read on a schedule.", {
        "add": Command("cli.source_fetching", "Register a feed (RSS, Atom) or sitemap whose new "
                                              "articles are enqueued on a schedule."),
        "list": Command("cli.sources", "Every source with its schedule and last run (found, "
                                       "new, changed, skipped, failed)."),
        "run": Command("cli.source_fetching", "Read sources now and enqueue their new and "
                                              "changed articles."),
        "remove": Command("cli.sources", "Forget a source and its run history (its jobs and "
                                         "drafts stay)."),
        "enable": Command("cli.sources", "Run a source on its schedule again."),
        "disable": Command("cli.sources", "Stop running a source on its schedule (``sources run "
                                          "NAME`` still works)."),
    }),
    "users": Group("Accounts for the web app and the API.", {
        "add": Command("cli.users", "Add a user; prints the new user's API token as the last "
                                    "line."),
        "list": Command("cli.users", "Every user: role, active or not, live tokens and "
                                     "sessions."),
        "disable": Command("cli.users", "Disable a user: their sessions and tokens end now."),
        "enable": Command("cli.users", "Let a disabled user sign in again (tokens revoked "
                                       "before stay revoked)."),
        "role": Command("cli.users", "Change a user's role: their sessions and tokens end (they "
                                     "carried the old role)."),
        "passwd": Command("cli.users", "Set a new password: every session and token of the "
                                       "user ends."),
        "remove": Command("cli.users", "Remove a user with their tokens and sessions (their "
                                       "audit trail stays)."),
    }),
    "tokens": Group("API tokens: list and revoke.", {
        "list": Command("cli.tokens", "API tokens, newest first: id, user, label, created, "
                                      "revoked (never the secret)."),
        "revoke": Command("cli.tokens", "Revoke an API token now."),
    }),
    "blocks": Group("Check the header and footer block templates.", {
        "check": Command("cli.blocks", "List every block with its variants and the missing "
                                       "ones; render each with sample values."),
    }),
    "sites": Group("Where approved drafts are published.", {
        "add": Command("cli.sites", "Add a WordPress site or a webhook."),
        "list": Command("cli.sites", "The sites, without their secrets."),
        "test": Command("cli.publish", "Check the site's address, credentials and rights; say "
                                     "what is wrong."),
        "remove": Command("cli.sites", "Forget a site (posts already published stay on it)."),
    }),
}


class Transdraft(LazyGroup):
    """The root command: every command and group above."""

    entries = COMMANDS


app = typer.Typer(cls=Transdraft, no_args_is_help=True, add_completion=False,
                  pretty_exceptions_enable=False,
                  help="transdraft: fetch, translate and review articles.")


@app.callback()
def main(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress to stderr.")) -> None:
    """transdraft: fetch, translate and review articles."""
    # The settings and the audit actor of this invocation are set by cli.common.load_settings,
    # where every command starts: loading them here would slow down `transdraft GROUP --help`.
    logging.basicConfig(level=logging.INFO if verbose else logging.ERROR,
                        format="%(levelname)s %(name)s: %(message)s")
