"""Google Translate through deep-translator's web client (no key; scrapes the mobile page)."""

from __future__ import annotations

from deep_translator import GoogleTranslator
from deep_translator import google as google_module
from deep_translator.constants import GOOGLE_LANGUAGES_TO_CODES
from deep_translator.exceptions import LanguageNotSupportedException

from pipeline.languages import primary_subtag
from pipeline.translate.base import LineJoinedProvider, unsupported_pair
from pipeline.translate.providers import deep_requests

deep_requests.install(google_module)

_CODES = {code.lower(): code for code in GOOGLE_LANGUAGES_TO_CODES.values()}
# Tags that Google knows only with a region or script: the usual choice for the bare tag.
_BARE = {"zh": "zh-CN", "zh-hans": "zh-CN", "zh-hant": "zh-TW", "zh-hk": "zh-TW"}


def google_code(lang: str) -> str:
    """Google's code for a language tag: exact ("zh-CN") if known, else the primary subtag."""
    key = lang.lower()
    if key == "auto":
        return key
    if key in _CODES:
        return _CODES[key]
    if key in _BARE:
        return _BARE[key]
    return _BARE.get(primary_subtag(key), primary_subtag(key))


class GoogleProvider(LineJoinedProvider):
    """Segments are sent as lines of one text; placeholders travel as literal text."""

    name = "google"
    max_chars = 4999  # deep-translator refuses texts of 5000 characters or more
    supports_markup = False

    def __init__(self, timeout: float, base_url: str) -> None:
        super().__init__(timeout)
        self.base_url = base_url

    def _translate_text(self, text: str, source: str, target: str) -> str:
        try:
            client = GoogleTranslator(source=google_code(source), target=google_code(target))
        except LanguageNotSupportedException as exc:
            raise unsupported_pair(source, target) from exc
        client._base_url = self.base_url  # deep-translator has no option for the endpoint
        result = deep_requests.call(self, client.translate, text)
        # deep-translator returns None when the answer equals a text without letters.
        return text if result is None else result
