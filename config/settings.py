"""Typed settings: environment variables ``TRANSDRAFT_*``, an optional TOML file, defaults."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from platformdirs import user_data_path
from pydantic import Field, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

SHIPPED_BLOCKS_DIR = Path(__file__).resolve().parent / "blocks"
PROVIDER_NAMES = ("google", "mymemory", "libre", "deepl", "microsoft", "apertium", "llm")
SITE_PREFIX = "TRANSDRAFT_SITE_"


def default_database_url() -> str:
    """A SQLite file in the user's data directory (``~/.local/share/transdraft`` on Linux), so
    every command finds the same database whatever folder it is run from."""
    return f"sqlite:///{user_data_path('transdraft', appauthor=False) / 'transdraft.db'}"


class Settings(BaseSettings):
    """Everything an operator can set. Field ``x`` is read from ``TRANSDRAFT_X``."""

    model_config = SettingsConfigDict(env_prefix="TRANSDRAFT_", extra="ignore")

    # The contract's variables.
    database_url: str = Field(default_factory=default_database_url)
    broker_url: str = "redis://localhost:6379/0"
    target_lang: str = "nl"
    provider: Annotated[list[str], NoDecode] = ["google"]
    libre_url: str | None = None
    libre_api_key: str | None = None
    deepl_api_key: str | None = None
    microsoft_api_key: str | None = None
    apertium_url: str | None = None
    blocks_dir: Path = SHIPPED_BLOCKS_DIR
    char_budget_daily: int | None = None
    glossary_file: Path | None = None
    fetch_allow_hosts: Annotated[list[str], NoDecode] = []
    # The team's own site, for block templates as site.name, site.url, ... (see site_values).
    site_name: str | None = None
    site_url: str | None = None
    donate_url: str | None = None
    contact_url: str | None = None
    site: dict[str, Any] = {}  # the TOML file's [site] table: any key, as site.KEY

    # Additions: endpoints of the other providers (for self-hosted or test servers) and limits.
    google_url: str = "https://translate.google.com/m"
    mymemory_url: str = "http://api.mymemory.translated.net/get"
    deepl_url: str | None = None  # default picked from the key: free (":fx") or pro endpoint
    microsoft_url: str = "https://api.cognitive.microsofttranslator.com/translate"
    microsoft_region: str | None = None
    provider_timeout: float = 30.0
    fetch_connect_timeout: float = 10.0
    fetch_read_timeout: float = 20.0
    fetch_total_timeout: float = 30.0
    fetch_max_bytes: int = 10 * 1024 * 1024
    fetch_max_redirects: int = 5
    # Sources: most sub-sitemaps one run of a sitemap index reads (the most recent first).
    source_max_sitemaps: int = 50
    # Provider "llm": an OpenAI-compatible chat-completions server (Ollama, vLLM, llama.cpp,
    # LM Studio, OpenAI, Mistral, ...). llm_url is the base URL ending in /v1. Requests are cut
    # to fit llm_context_tokens (prompt and answer together); local models are slow, hence the
    # longer timeout of their own.
    llm_url: str | None = None
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_temperature: float = 0.0
    llm_max_segments_per_request: int = 40
    llm_extra_instructions: str = ""
    llm_context_tokens: int = 8192
    llm_timeout: float = 90.0  # twice this (one retry) stays below task_soft_time_limit

    # Queue and workers. A running stage renews its job's lease every third of job_lease, so a
    # dead worker's job is queued again within about job_lease + sweep_interval. The broker's
    # visibility timeout (Redis redelivers unacked messages after it) must outlast the longest
    # task and countdown. Backoffs longer than max_countdown wait in next_attempt_at for the
    # sweeper instead of in the broker.
    task_soft_time_limit: float = 240.0
    task_time_limit: float = 300.0
    job_lease: float = 45.0
    broker_visibility_timeout: float = 3600.0
    sweep_interval: float = 60.0  # seconds between sweeper runs
    dispatch_grace: float = 45.0  # a due queued job not picked up after this is re-sent
    max_attempts: int = 5  # per stage
    retry_base: float = 10.0  # first backoff, doubled each attempt, with jitter
    retry_cap: float = 3600.0
    max_countdown: float = 60.0
    # Politeness: at most this many fetches at once and requests per second per host (0: no limit).
    fetch_host_concurrency: int = 2
    fetch_host_rate: float = 1.0
    fetch_host_wait: float = 30.0  # longest wait for a host slot before retrying later
    # Hardening: the largest request body read (checked while reading, before sign-in), the
    # proxies whose X-Forwarded-For is believed (none: the peer's address counts), and whether
    # a new sign-in ends the user's older browser sessions.
    max_body_bytes: int = 2 * 1024 * 1024
    trusted_proxies: Annotated[list[str], NoDecode] = []
    single_session: bool = False

    @field_validator("provider", "fetch_allow_hosts", "trusted_proxies", mode="before")
    @classmethod
    def _comma_separated(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("provider")
    @classmethod
    def _known_providers(cls, value: list[str]) -> list[str]:
        names = [name.lower() for name in value]
        unknown = [name for name in names if name not in PROVIDER_NAMES]
        if unknown:
            raise ValueError(
                f"unknown provider {', '.join(unknown)}; choose from {', '.join(PROVIDER_NAMES)}"
            )
        if not names:
            raise ValueError("at least one provider is needed")
        return names

    @field_validator("char_budget_daily", mode="before")
    @classmethod
    def _empty_is_unlimited(cls, value: object) -> object:
        if value in ("", "unlimited", "none"):
            return None
        return value

    @model_validator(mode="after")
    def _limits_in_order(self) -> Settings:
        if not self.task_soft_time_limit < self.task_time_limit:
            raise ValueError("task_soft_time_limit must be below task_time_limit")
        if self.broker_visibility_timeout <= max(self.task_time_limit, self.max_countdown):
            raise ValueError(
                "broker_visibility_timeout must exceed task_time_limit and max_countdown")
        return self

    def has_broker(self) -> bool:
        """False when TRANSDRAFT_BROKER_URL is empty or ``none``: `transdraft up` alone runs
        the jobs, so nothing is published to a broker nobody reads."""
        return self.broker_url.strip().lower() not in ("", "none")

    def site_values(self) -> dict[str, Any]:
        """What block templates see as ``site``: the TOML ``[site]`` table, then any
        ``TRANSDRAFT_SITE_KEY`` variable (as ``site.key``), then the named settings."""
        values = dict(self.site)
        values.update({name[len(SITE_PREFIX):].lower(): value
                       for name, value in os.environ.items()
                       if name.startswith(SITE_PREFIX) and len(name) > len(SITE_PREFIX)})
        named = {"name": self.site_name, "url": self.site_url, "donate_url": self.donate_url,
                 "contact_url": self.contact_url}
        values.update({key: value for key, value in named.items() if value})
        return values

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Environment wins over the TOML file named by TRANSDRAFT_CONFIG, which wins over defaults.
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = os.environ.get("TRANSDRAFT_CONFIG")
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
