"""DeepL API v2, spoken to directly (deep-translator's DeepL client no longer works)."""

from __future__ import annotations

import httpx

from pipeline.errors import PipelineError, ProviderError, ProviderRateLimited
from pipeline.http_headers import retry_after_seconds
from pipeline.languages import primary_subtag
from pipeline.translate.base import (
    QUOTA_EXCEEDED,
    HttpProvider,
    status_error,
    unsupported_pair,
)

FREE_URL = "https://api-free.deepl.com"
PRO_URL = "https://api.deepl.com"
# DeepL wants a regional variant for these targets; plain "EN"/"PT" are deprecated.
_TARGET_DEFAULTS = {"EN": "EN-US", "PT": "PT-PT"}


def deepl_target(lang: str) -> str:
    code = lang.replace("_", "-").upper()
    if code in ("EN-GB", "EN-US", "PT-PT", "PT-BR", "ZH-HANS", "ZH-HANT"):
        return code
    primary = primary_subtag(lang).upper()
    return _TARGET_DEFAULTS.get(primary, primary)


class DeepLProvider(HttpProvider):
    name = "deepl"
    max_segments = 50  # documented: at most 50 texts per request
    max_chars = 30_000  # the request body may be 128 KiB; 4 bytes a character leaves room
    supports_markup = True

    def __init__(self, timeout: float, api_key: str, base_url: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(timeout, transport)
        self.api_key = api_key
        # Keys of the free plan end in ":fx" and only work on the free endpoint.
        self.base_url = (base_url or (FREE_URL if api_key.endswith(":fx") else PRO_URL)).rstrip("/")
        self._pair: tuple[str, str] = ("", "")

    def translate_texts(self, texts: list[str], source: str, target: str) -> list[str]:
        self._pair = (source, target)
        body: dict[str, object] = {"text": texts, "target_lang": deepl_target(target),
                                   "tag_handling": "html"}
        if source != "auto":
            body["source_lang"] = primary_subtag(source).upper()
        response = self._send("POST", f"{self.base_url}/v2/translate", sum(map(len, texts)),
                              json=body,
                              headers={"Authorization": f"DeepL-Auth-Key {self.api_key}"})
        try:
            translated = [item["text"] for item in response.json()["translations"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError("deepl: unexpected answer (no translations)") from exc
        if len(translated) != len(texts):
            raise ProviderError(
                f"deepl: sent {len(texts)} texts, got {len(translated)} translations back")
        return translated

    def _error_for(self, response: httpx.Response) -> PipelineError:
        status = response.status_code
        try:
            detail = str(response.json().get("message", ""))
        except (ValueError, AttributeError):
            detail = response.text[:200]
        retry_after = retry_after_seconds(response.headers.get("retry-after"))
        if status == 456:
            return ProviderRateLimited(f"{QUOTA_EXCEEDED} (deepl: HTTP 456 character limit "
                                       "of the billing period reached)")
        if status == 529:  # DeepL's "too many requests" on some plans
            return ProviderRateLimited("deepl: HTTP 529 rate limited", retry_after)
        if status == 400 and "lang" in detail.lower():
            return unsupported_pair(*self._pair)
        return status_error(self.name, status, detail, retry_after)
