"""MyMemory through deep-translator: 500 characters per request, a daily free quota."""

from __future__ import annotations

from deep_translator import MyMemoryTranslator
from deep_translator import mymemory as mymemory_module
from deep_translator.constants import MY_MEMORY_LANGUAGES_TO_CODES
from deep_translator.exceptions import LanguageNotSupportedException

from pipeline.errors import ProviderError, ProviderRateLimited
from pipeline.languages import primary_subtag
from pipeline.translate.base import (
    QUOTA_EXCEEDED,
    LineJoinedProvider,
    status_error,
    unsupported_pair,
)
from pipeline.translate.providers import deep_requests

deep_requests.install(mymemory_module)

_CODES = set(MY_MEMORY_LANGUAGES_TO_CODES.values())
# Where the language's region is not its own code upper-cased ("nl-NL", "de-DE").
_REGION_DEFAULTS = {"en": "en-GB", "zh": "zh-CN", "sv": "sv-SE", "da": "da-DK", "ja": "ja-JP",
                    "ko": "ko-KR", "el": "el-GR", "cs": "cs-CZ", "uk": "uk-UA", "ca": "ca-ES"}
# MyMemory answers HTTP 200 and puts these in translatedText instead of a translation.
_QUOTA_MARK = "MYMEMORY WARNING"
_LANGUAGE_MARKS = ("INVALID LANGUAGE PAIR", "INVALID SOURCE LANGUAGE", "INVALID TARGET LANGUAGE",
                   "IS AN INVALID")


def mymemory_code(lang: str) -> str:
    """deep-translator validates against region codes ("nl-NL"); pick the first match."""
    if lang in _CODES:
        return lang
    prefix = primary_subtag(lang)
    matches = sorted(code for code in _CODES if primary_subtag(code) == prefix)
    preferred = _REGION_DEFAULTS.get(prefix, f"{prefix}-{prefix.upper()}")
    if preferred in matches:
        return preferred
    return matches[0] if matches else lang


class MyMemoryProvider(LineJoinedProvider):
    name = "mymemory"
    max_chars = 499  # deep-translator refuses texts of 500 characters or more
    supports_markup = False

    def __init__(self, timeout: float, base_url: str, email: str | None = None) -> None:
        super().__init__(timeout)
        self.base_url = base_url
        self.email = email

    def _translate_text(self, text: str, source: str, target: str) -> str:
        if source == "auto":
            raise ProviderError("mymemory: the source language must be known (use --from)")
        try:
            client = MyMemoryTranslator(source=mymemory_code(source),
                                        target=mymemory_code(target), email=self.email)
        except LanguageNotSupportedException as exc:
            raise unsupported_pair(source, target) from exc
        client._base_url = self.base_url
        result = deep_requests.call(self, client.translate, text)
        result = text if result is None else str(result)
        upper = result.upper()
        if upper.startswith(_QUOTA_MARK):
            raise ProviderRateLimited(f"{QUOTA_EXCEEDED} (mymemory: {result[:120]})")
        if any(mark in upper for mark in _LANGUAGE_MARKS) and not any(
                mark in text.upper() for mark in _LANGUAGE_MARKS):
            raise unsupported_pair(source, target)
        if upper.startswith("QUERY LENGTH LIMIT EXCEEDED"):
            raise status_error(self.name, 413, result)
        return result
