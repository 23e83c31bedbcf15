"""Sources: feeds and sitemaps read on a schedule, whose new and changed articles are enqueued.

The package exports the registry (add, find, list: cheap, ``status`` uses it). Running a
source reads feeds (feedparser, the fetcher) and lives in :mod:`pipeline.sources.runs`: the
scheduler (Celery beat, ``transdraft up``) calls ``run_due_sources``, the CLI's ``sources
run`` calls ``run_source``. Both only write rows and return the new job ids; the caller
dispatches them after the commit.
"""

from pipeline.sources.registry import (
    add_source,
    find_source,
    get_source,
    remove_source,
    sources_with_last_run,
)

__all__ = ["add_source", "find_source", "get_source", "remove_source", "sources_with_last_run"]
