"""Apertium APY, spoken to directly: rule-based, self-hosted, language pairs as installed."""

from __future__ import annotations

import re

import httpx

from pipeline.errors import PipelineError, ProviderError
from pipeline.http_headers import retry_after_seconds
from pipeline.languages import primary_subtag
from pipeline.translate.base import (
    HttpProvider,
    status_error,
    unsupported_pair,
)

# APY names languages with ISO 639-3 codes; these are the ones Apertium has pairs for.
ISO639_3 = {
    "af": "afr", "an": "arg", "ar": "ara", "be": "bel", "bg": "bul", "br": "bre", "bs": "hbs",
    "ca": "cat", "cs": "ces", "cy": "cym", "da": "dan", "de": "deu", "el": "ell", "en": "eng",
    "eo": "epo", "es": "spa", "et": "est", "eu": "eus", "fi": "fin", "fr": "fra", "ga": "gle",
    "gd": "gla", "gl": "glg", "he": "heb", "hi": "hin", "hr": "hbs", "id": "ind", "is": "isl",
    "it": "ita", "kk": "kaz", "ky": "kir", "lt": "lit", "lv": "lav", "mk": "mkd", "ms": "msa",
    "mt": "mlt", "nb": "nob", "nl": "nld", "nn": "nno", "no": "nob", "oc": "oci", "pl": "pol",
    "pt": "por", "ro": "ron", "ru": "rus", "sc": "srd", "se": "sme", "sk": "slk", "sl": "slv",
    "sq": "sqi", "sr": "hbs", "sv": "swe", "tr": "tur", "tt": "tat", "uk": "ukr", "ur": "urd",
    "uz": "uzb",
}
_SEGMENT = re.compile(r"<p>(.*?)</p>", re.S)


def apertium_code(lang: str) -> str:
    code = primary_subtag(lang)
    return ISO639_3.get(code, code)


class ApertiumProvider(HttpProvider):
    """A pack is one HTML document, a ``<p>`` per segment, so APY sees sentence boundaries."""

    name = "apertium"
    max_chars = 20_000
    supports_markup = True
    overhead_per_segment = len("<p></p>")

    def __init__(self, timeout: float, base_url: str,
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(timeout, transport)
        self.base_url = base_url.rstrip("/")
        self._pairs: set[tuple[str, str]] | None = None

    def pairs(self) -> set[tuple[str, str]]:
        """The installed pairs, from /listPairs (asked once per provider instance)."""
        if self._pairs is None:
            response = self._send("GET", f"{self.base_url}/listPairs", 0)
            try:
                data = response.json()["responseData"]
                self._pairs = {(p["sourceLanguage"], p["targetLanguage"]) for p in data}
            except (ValueError, KeyError, TypeError) as exc:
                raise ProviderError("apertium: unexpected answer from /listPairs") from exc
        return self._pairs

    def translate_texts(self, texts: list[str], source: str, target: str) -> list[str]:
        if source == "auto":
            raise ProviderError("apertium: the source language must be known (use --from)")
        pair = (apertium_code(source), apertium_code(target))
        if pair not in self.pairs():
            raise unsupported_pair(source, target)
        if len(texts) > 1:
            joined = self._translate("".join(f"<p>{text}</p>" for text in texts), pair)
            parts = [part.strip() for part in _SEGMENT.findall(joined)]
            if len(parts) == len(texts):
                return parts
        return [self._translate(text, pair).strip() for text in texts]

    def _translate(self, html: str, pair: tuple[str, str]) -> str:
        data = {"q": html, "langpair": "|".join(pair), "markUnknown": "no",
                "deformat": "html", "reformat": "html-noent"}
        response = self._send("POST", f"{self.base_url}/translate", len(html), data=data)
        try:
            return str(response.json()["responseData"]["translatedText"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ProviderError("apertium: unexpected answer (no translatedText)") from exc

    def _error_for(self, response: httpx.Response) -> PipelineError:
        try:
            detail = str(response.json().get("explanation", ""))
        except (ValueError, AttributeError):
            detail = response.text[:200]
        if response.status_code == 400 and "pair" in detail.lower():
            return ProviderError(f"apertium: {detail}")
        return status_error(self.name, response.status_code, detail,
                            retry_after_seconds(response.headers.get("retry-after")))
