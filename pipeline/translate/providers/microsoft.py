"""Microsoft Translator v3, spoken to directly.

deep-translator's MicrosoftTranslator fetches the language list from the public endpoint
in its constructor (ignoring any configured URL), sends one text per request and crashes on
connection errors; the v3 API takes up to 1000 texts and 50,000 characters per request.
"""

from __future__ import annotations

import httpx

from pipeline.errors import PipelineError, ProviderError, ProviderRateLimited
from pipeline.http_headers import retry_after_seconds
from pipeline.translate.base import (
    QUOTA_EXCEEDED,
    HttpProvider,
    status_error,
    unsupported_pair,
)


class MicrosoftProvider(HttpProvider):
    name = "microsoft"
    max_segments = 1000
    max_chars = 50_000
    supports_markup = True

    def __init__(self, timeout: float, api_key: str, url: str, region: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(timeout, transport)
        self.url = url
        self.headers = {"Ocp-Apim-Subscription-Key": api_key}
        if region:
            self.headers["Ocp-Apim-Subscription-Region"] = region
        self._pair: tuple[str, str] = ("", "")

    def translate_texts(self, texts: list[str], source: str, target: str) -> list[str]:
        self._pair = (source, target)
        params = {"api-version": "3.0", "to": target, "textType": "html"}
        if source != "auto":
            params["from"] = source
        response = self._send("POST", self.url, sum(map(len, texts)), params=params,
                              headers=self.headers, json=[{"Text": text} for text in texts])
        try:
            translated = [item["translations"][0]["text"] for item in response.json()]
        except (ValueError, KeyError, IndexError, TypeError) as exc:
            raise ProviderError("microsoft: unexpected answer (no translations)") from exc
        if len(translated) != len(texts):
            raise ProviderError(
                f"microsoft: sent {len(texts)} texts, got {len(translated)} translations back")
        return translated

    def _error_for(self, response: httpx.Response) -> PipelineError:
        status = response.status_code
        try:
            error = response.json()["error"]
            code, detail = int(error.get("code", 0)), str(error.get("message", ""))
        except (ValueError, KeyError, TypeError, AttributeError):
            code, detail = 0, response.text[:200]
        if code in (403001, 403002):  # free tier or subscription volume used up
            return ProviderRateLimited(f"{QUOTA_EXCEEDED} (microsoft: {detail})")
        if code in (400035, 400036):  # source / target language is not valid
            return unsupported_pair(*self._pair)
        return status_error(self.name, status, detail,
                            retry_after_seconds(response.headers.get("retry-after")))
