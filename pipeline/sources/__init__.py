"""Sources: feeds and sitemaps read on a schedule, whose new and changed articles are enqueued.

The scheduler (Celery beat, ``transdraft up``) calls :func:`run_due_sources`; the CLI's
``sources run`` calls :func:`run_source`. Both only write rows and return the new job ids;
the caller dispatches them after the commit.
"""

from pipeline.sources.registry import (
    add_source,
    find_source,
    get_source,
    remove_source,
    sources_with_last_run,
)

_RUNS = ("run_due", "run_due_sources", "run_source")


def __getattr__(name: str):
    # Runs read feeds (feedparser, the fetcher); `status` only lists sources, so they load
    # on first use.
    if name in _RUNS:
        from pipeline.sources import runs

        return getattr(runs, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["add_source", "find_source", "get_source", "remove_source", "run_due", "run_due_sources",
           "run_source", "sources_with_last_run"]
