"""Building a provider by name from the settings."""

from __future__ import annotations

from config.settings import Settings
from pipeline.errors import ProviderError
from pipeline.translate.base import Provider
from pipeline.translate.providers.apertium import ApertiumProvider
from pipeline.translate.providers.deepl import DeepLProvider
from pipeline.translate.providers.google import GoogleProvider
from pipeline.translate.providers.libre import LibreProvider
from pipeline.translate.providers.microsoft import MicrosoftProvider
from pipeline.translate.providers.mymemory import MyMemoryProvider


def _required(value: str | None, provider: str, variable: str) -> str:
    if not value:
        raise ProviderError(f"{provider}: TRANSDRAFT_{variable} is not set")
    return value


def make_provider(name: str, settings: Settings) -> Provider:
    """A ready provider; ProviderError if it is unknown or a setting it needs is missing."""
    timeout = settings.provider_timeout
    name = name.strip().lower()
    if name == "google":
        return GoogleProvider(timeout, settings.google_url)
    if name == "mymemory":
        return MyMemoryProvider(timeout, settings.mymemory_url)
    if name == "libre":
        return LibreProvider(timeout, _required(settings.libre_url, name, "LIBRE_URL"),
                             settings.libre_api_key)
    if name == "deepl":
        return DeepLProvider(timeout, _required(settings.deepl_api_key, name, "DEEPL_API_KEY"),
                             settings.deepl_url)
    if name == "microsoft":
        return MicrosoftProvider(timeout,
                                 _required(settings.microsoft_api_key, name, "MICROSOFT_API_KEY"),
                                 settings.microsoft_url, settings.microsoft_region)
    if name == "apertium":
        return ApertiumProvider(timeout, _required(settings.apertium_url, name, "APERTIUM_URL"))
    if name == "llm":
        # The openai client takes about a second to import, which every CLI command and
        # worker would pay although few configure a language model.
        from pipeline.translate.providers.llm import LLMProvider  # lazy: openai is slow to load

        return LLMProvider(settings.llm_timeout, _required(settings.llm_url, name, "LLM_URL"),
                           _required(settings.llm_model, name, "LLM_MODEL"),
                           settings.llm_api_key, temperature=settings.llm_temperature,
                           max_segments=settings.llm_max_segments_per_request,
                           extra_instructions=settings.llm_extra_instructions,
                           context_tokens=settings.llm_context_tokens)
    raise ProviderError(f"unknown provider {name!r}")
