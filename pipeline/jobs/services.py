"""What a job's stages need besides the database: settings, templates, glossary, providers.

One :class:`Services` per process (or per ``transdraft translate``), shared by every stage
it runs; the expensive parts (block templates, glossary) are read once, on first use.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from config.settings import Settings
from pipeline.document import ExtractedArticle
from pipeline.drafts.compose import BlockTemplates
from pipeline.extract import extract
from pipeline.extract.pool import ExtractionPool
from pipeline.fetch.politeness import HostLimiter, LocalBackend
from pipeline.translate import Provider, make_provider
from pipeline.translate.glossary import Glossary


@dataclass
class Services:
    """The stage functions' tools: settings, block templates, glossary, providers, limits."""

    settings: Settings
    _templates: BlockTemplates | None = field(default=None, repr=False)
    _glossary: Glossary | None = field(default=None, repr=False)
    # Per-host fetch limits; None: a limiter local to these services, from the settings.
    host_limiter: HostLimiter | None = field(default=None, repr=False)
    # Where pages are extracted: an ExtractionPool's processes, or None for this thread.
    extraction_pool: ExtractionPool | None = field(default=None, repr=False)
    # Told each stage as it starts (``report("fetching", url=...)``): the CLI's progress.
    on_progress: Callable[..., None] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.host_limiter is None:
            self.host_limiter = HostLimiter(
                LocalBackend(), self.settings.fetch_host_concurrency,
                self.settings.fetch_host_rate, self.settings.fetch_host_wait)

    @property
    def templates(self) -> BlockTemplates:
        """The block templates of TRANSDRAFT_BLOCKS_DIR; read (and checked) once."""
        if self._templates is None:
            self._templates = BlockTemplates.from_settings(self.settings)
        return self._templates

    @property
    def glossary(self) -> Glossary:
        """The glossary of TRANSDRAFT_GLOSSARY_FILE (empty without one); read once."""
        if self._glossary is None:
            path = self.settings.glossary_file
            self._glossary = Glossary.load(path) if path else Glossary.empty()
        return self._glossary

    def report(self, stage: str, **detail) -> None:
        """Tell whoever watches these services (the ``translate`` command) what they do now."""
        if self.on_progress is not None:
            self.on_progress(stage, **detail)

    def extract(self, html: str, url: str) -> ExtractedArticle:
        """The article in a fetched page (see :func:`pipeline.extract.extract`)."""
        if self.extraction_pool is not None:
            return self.extraction_pool.extract(html, url)
        return extract(html, url)

    def providers(self, names: list[str]) -> list[Provider]:
        """The providers named, built from the settings (ProviderError when one cannot be)."""
        return [make_provider(name, self.settings) for name in names]
