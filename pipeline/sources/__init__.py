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
from pipeline.sources.runs import run_due, run_due_sources, run_source

__all__ = ["add_source", "find_source", "get_source", "remove_source", "run_due", "run_due_sources",
           "run_source", "sources_with_last_run"]
