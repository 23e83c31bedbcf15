"""Stub translation providers for tests: Google's web page, LibreTranslate, DeepL, MyMemory,
Microsoft and Apertium APY, served by :class:`tests.stubs.server.StubServer`.

Each ``*_routes(faults)`` returns a routes dict. The stubs "translate" deterministically with
:func:`fake_translate`: letters are upper-cased, while tags, entities, numbers, newlines and
``<p>`` wrappers stay as they are, so a test can tell translated text from source text and
check that markup came back. Share a :class:`Faults` object with the routes and change it
mid-test to inject 429/5xx answers, stalls, lost placeholders or quota warnings::

    faults = Faults()
    with StubServer(libre_routes(faults)) as stub:
        faults.status = 503
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass

from tests.stubs.server import Request, Response, Route

_MARKUP = re.compile(r"(<[^>]*>|&#?\w+;)")
_PLACEHOLDER = re.compile(r"<\s*/?\s*x\d+\s*/?\s*>", re.I)
MYMEMORY_QUOTA = ("MYMEMORY WARNING: YOU USED ALL AVAILABLE FREE TRANSLATIONS FOR TODAY. "
                  "NEXT AVAILABLE IN  10 HOURS 20 MINUTES 07 SECONDS")
LANGUAGES = ("en", "es", "nl", "de", "fr")
_DIGIT = re.compile(r"\d")


def _next_digit(match: re.Match[str]) -> str:
    return str((int(match.group()) + 1) % 10)


@dataclass
class Faults:
    """What goes wrong; shared by reference with the routes so tests can change it."""

    status: int | None = None  # answer this status instead of translating
    body: str = ""  # body of that error answer
    retry_after: str | None = None
    delay: float = 0.0  # stall this long before answering
    drop_placeholders: bool = False  # remove <xN> tags from translations
    merge_lines: bool = False  # join the lines of a multi-line text (breaks packing)
    quota: bool = False  # MyMemory: HTTP 200 with the quota warning
    api_key: str | None = None  # key the stub requires; None: no key needed
    times: int | None = None  # how many requests get the fault; None: all of them
    alter_numbers: bool = False  # change every digit (a provider that mangles figures)
    echo: bool = False  # answer the text unchanged
    answer: str | None = None  # answer this text (e.g. a quota warning) with HTTP 200
    after: int = 0  # serve this many requests normally before the fault starts

    def __post_init__(self) -> None:
        self._served = 0

    def error(self) -> Response | None:
        """The fault answer for this request, if any (counts down ``times``)."""
        if self.status is None and not self.delay:
            return None
        self._served += 1
        if self._served <= self.after:
            return None
        if self.times is not None:
            if self.times <= 0:
                return None
            self.times -= 1
        if self.status is None:
            return _Delayed(self.delay)
        headers = {"Retry-After": self.retry_after} if self.retry_after else {}
        return Response(self.status, self.body or f"stub error {self.status}", headers,
                        "application/json" if self.body.startswith("{") else "text/plain",
                        delay=self.delay)


class _Delayed(Response):
    """Marker: stall, then translate normally."""

    def __init__(self, delay: float) -> None:
        super().__init__(delay=delay)


def fake_translate(text: str, faults: Faults | None = None) -> str:
    """Upper-case the letters of ``text``, leaving tags, entities and numbers untouched."""
    if faults and faults.answer is not None:
        return "\n".join(faults.answer for _ in text.split("\n"))
    if faults and faults.echo:
        return text
    out = "".join(part if _MARKUP.fullmatch(part) else part.upper()
                  for part in _MARKUP.split(text))
    if faults and faults.alter_numbers:
        out = "".join(part if _MARKUP.fullmatch(part) else _DIGIT.sub(_next_digit, part)
                      for part in _MARKUP.split(out))
    if faults and faults.drop_placeholders:
        out = _PLACEHOLDER.sub("", out)
    if faults and faults.merge_lines:
        out = out.replace("\n", " ")
    return out


def _json(data: object, status: int = 200) -> Response:
    return Response(status, json.dumps(data), content_type="application/json")


def _params(request: Request) -> dict[str, list[str]]:
    """Query, form or JSON body parameters as lists."""
    params = {k: list(v) for k, v in request.query.items()}
    if request.body:
        if request.headers.get("content-type", "").startswith("application/json"):
            for key, value in json.loads(request.body).items():
                params[key] = value if isinstance(value, list) else [value]
        else:
            for key, value in request.form().items():
                params.setdefault(key, []).extend(value)
    return params


def _faulted(faults: Faults, translate: Route) -> Route:
    def route(request: Request) -> Response:
        fault = faults.error()
        if fault is not None and fault.status != 200:
            return fault
        response = translate(request)
        if fault is not None:
            response.delay = fault.delay
        return response
    return route


def google_routes(faults: Faults | None = None, path: str = "/m") -> dict[str, Route]:
    """Google's mobile page as deep-translator scrapes it: GET path?sl=..&tl=..&q=.."""
    faults = faults or Faults()

    def translate(request: Request) -> Response:
        text = request.query.get("q", [""])[0]
        translated = html.escape(fake_translate(text, faults), quote=False)
        return Response(200, "<html><body><div class=\"result-container\">"
                        f"{translated}</div></body></html>")
    return {path: _faulted(faults, translate)}


def mymemory_routes(faults: Faults | None = None, path: str = "/get") -> dict[str, Route]:
    """MyMemory's GET /get?q=..&langpair=en|nl; quota warnings come back as HTTP 200."""
    faults = faults or Faults()

    def translate(request: Request) -> Response:
        text = request.query.get("q", [""])[0]
        if faults.quota:
            return _json({"responseData": {"translatedText": MYMEMORY_QUOTA},
                          "responseStatus": 429, "matches": []})
        return _json({"responseData": {"translatedText": fake_translate(text, faults)},
                      "responseStatus": 200, "matches": []})
    return {path: _faulted(faults, translate)}


def libre_routes(faults: Faults | None = None) -> dict[str, Route]:
    """LibreTranslate: POST /translate (JSON or form, q a string or a list), GET /languages."""
    faults = faults or Faults()

    def translate(request: Request) -> Response:
        params = _params(request)
        if faults.api_key and params.get("api_key", [None])[0] != faults.api_key:
            return _json({"error": "Invalid API key"}, 403)
        for field in ("source", "target"):
            lang = params.get(field, [""])[0]
            if lang not in LANGUAGES and not (field == "source" and lang == "auto"):
                return _json({"error": f"{lang} is not supported"}, 400)
        texts = params.get("q", [])
        translated = [fake_translate(text, faults) for text in texts]
        is_list = request.body.startswith(b"{") and isinstance(json.loads(request.body)["q"], list)
        return _json({"translatedText": translated if is_list else translated[0]})

    def languages(request: Request) -> Response:
        return _json([{"code": code, "name": code, "targets": list(LANGUAGES)}
                      for code in LANGUAGES])
    return {"/translate": _faulted(faults, translate), "/languages": languages}


def deepl_routes(faults: Faults | None = None, key: str = "stub-key:fx") -> dict[str, Route]:
    """DeepL v2: POST /v2/translate with ``text`` entries; 403 for a wrong key."""
    faults = faults or Faults()

    def translate(request: Request) -> Response:
        if request.headers.get("authorization") != f"DeepL-Auth-Key {key}":
            return _json({"message": "Wrong endpoint or authentication key"}, 403)
        params = _params(request)
        target = params.get("target_lang", [""])[0]
        if target.split("-")[0].lower() not in LANGUAGES:
            return _json({"message": "Value for 'target_lang' not supported."}, 400)
        return _json({"translations": [
            {"detected_source_language": "EN", "text": fake_translate(text, faults)}
            for text in params.get("text", [])]})
    return {"/v2/translate": _faulted(faults, translate)}


def microsoft_routes(faults: Faults | None = None, path: str = "/translate") -> dict[str, Route]:
    """Microsoft Translator v3: POST path?to=..&api-version=3.0 with [{"Text": ...}]."""
    faults = faults or Faults()

    def translate(request: Request) -> Response:
        target = request.query.get("to", [""])[0]
        return _json([{"translations": [{"text": fake_translate(item["Text"], faults),
                                         "to": target}]}
                      for item in json.loads(request.body)])
    return {path: _faulted(faults, translate)}


def apertium_routes(faults: Faults | None = None,
                    pairs: tuple[tuple[str, str], ...] = (("eng", "spa"), ("eng", "nld"))
                    ) -> dict[str, Route]:
    """Apertium APY: GET /listPairs, GET or POST /translate with q and langpair=eng|spa."""
    faults = faults or Faults()

    def list_pairs(request: Request) -> Response:
        return _json({"responseData": [{"sourceLanguage": s, "targetLanguage": t}
                                       for s, t in pairs],
                      "responseDetails": None, "responseStatus": 200})

    def translate(request: Request) -> Response:
        params = _params(request)
        if tuple(params.get("langpair", [""])[0].split("|")) not in pairs:
            return _json({"status": "error", "code": 400, "message": "Bad Request",
                          "explanation": "That pair is not installed"}, 400)
        text = fake_translate(params.get("q", [""])[0], faults)
        return _json({"responseData": {"translatedText": text}, "responseDetails": None,
                      "responseStatus": 200})
    return {"/listPairs": list_pairs, "/translate": _faulted(faults, translate)}
