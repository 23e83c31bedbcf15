"""LibreTranslate, spoken to directly: one JSON POST carries a whole pack.

deep-translator's LibreTranslator sends one text per request, puts it in the URL query (so
long texts hit URL length limits), forces ``format=text`` and insists on an API key even for
self-hosted servers that need none. LibreTranslate's API takes ``q`` as a list in a JSON body
and ``format=html`` keeps our placeholder tags, so a pack costs one request.
"""

from __future__ import annotations

import httpx

from pipeline.errors import PipelineError, ProviderError
from pipeline.http_headers import retry_after_seconds
from pipeline.languages import primary_subtag
from pipeline.translate.base import (
    HttpProvider,
    status_error,
    unsupported_pair,
)


def _error_text(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    return str(body.get("error", body)) if isinstance(body, dict) else str(body)


class LibreProvider(HttpProvider):
    name = "libre"
    # Self-hosted servers default to no limit; public mirrors set their own (--char-limit).
    max_chars = 10_000
    supports_markup = True

    def __init__(self, timeout: float, base_url: str, api_key: str | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(timeout, transport)
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self._pair: tuple[str, str] = ("", "")

    def translate_texts(self, texts: list[str], source: str, target: str) -> list[str]:
        self._pair = (source, target)
        body: dict[str, object] = {
            "q": texts,
            "source": source if source == "auto" else primary_subtag(source),
            "target": primary_subtag(target),
            "format": "html",
        }
        if self.api_key:
            body["api_key"] = self.api_key
        response = self._send("POST", f"{self.base_url}/translate", sum(map(len, texts)),
                              json=body)
        try:
            translated = response.json()["translatedText"]
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError("libre: unexpected answer (no translatedText)") from exc
        if isinstance(translated, str):  # an old server that ignores list input
            translated = [translated]
        if len(translated) != len(texts):
            raise ProviderError(
                f"libre: sent {len(texts)} texts, got {len(translated)} translations back")
        return [str(text) for text in translated]

    def _error_for(self, response: httpx.Response) -> PipelineError:
        detail = _error_text(response)
        lowered = detail.lower()
        status = response.status_code
        if status in (400, 403) and "api key" in lowered or status == 401:
            return ProviderError(f"libre: authentication failed ({detail})")
        if status == 400 and ("not supported" in lowered or "language" in lowered):
            return unsupported_pair(*self._pair)
        return status_error(self.name, status, detail,
                            retry_after_seconds(response.headers.get("retry-after")))
