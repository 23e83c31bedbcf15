"""A stub OpenAI-compatible chat-completions server (what Ollama, vLLM or llama.cpp serve).

It reads the JSON request transdraft's ``llm`` provider sends (``segments`` with ids and
placeholder-marked text), "translates" English into Spanish deterministically with a small
word list (names, numbers and placeholders stay), and answers in the structured-output shape
``{"translations": [{"id", "text"}]}``. Share an :class:`LLMFaults` with the routes and change
it mid-test to make the model misbehave::

    faults = LLMFaults()
    with StubServer(llm_routes(faults)) as stub:        # TRANSDRAFT_LLM_URL = stub.url("/v1")
        faults.mode = "drop_placeholder"
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from tests.stubs.server import Request, Response, Route

MODEL = "stub-qwen2.5-7b-instruct"
# What each misbehaviour does to the answer (for the segments it targets).
MODES = (
    "drop_placeholder",  # a placeholder tag is left out
    "duplicate_placeholder",  # a void placeholder comes back twice
    "preamble",  # "Here is the translation:" before the JSON
    "note",  # a note after the translation, inside the segment's text
    "omit_id",  # a segment is not answered
    "extra_id",  # an id nobody asked for is answered too
    "invalid_json",  # the answer is cut JSON
    "change_number",  # every digit changed
    "wrong_language",  # German instead of Spanish
    "cut_off",  # finish_reason "length": the model ran out of tokens
)

_SPANISH = {
    "the": "el", "a": "un", "an": "un", "and": "y", "or": "o", "of": "de", "in": "en",
    "on": "sobre", "at": "en", "to": "a", "for": "para", "with": "con", "by": "por",
    "from": "desde", "is": "es", "are": "son", "was": "fue", "were": "eran", "be": "ser",
    "has": "ha", "have": "han", "had": "había", "been": "sido", "it": "lo", "its": "su",
    "their": "su", "her": "su", "his": "su", "my": "mi", "we": "nosotros", "you": "usted",
    "she": "ella", "he": "él", "they": "ellos", "that": "que", "which": "que", "who": "que",
    "this": "este", "not": "no", "but": "pero", "now": "ahora", "new": "nuevo",
    "old": "viejo", "one": "uno", "two": "dos", "three": "tres", "six": "seis", "year": "año",
    "years": "años", "week": "semana", "said": "dijo", "says": "dice", "sea": "mar",
    "water": "agua", "wall": "muro", "town": "pueblo", "council": "consejo",
    "storm": "tormenta", "harbour": "puerto", "marsh": "marisma", "salt": "sal",
    "street": "calle", "streets": "calles", "report": "informe", "people": "gente",
    "residents": "vecinos", "how": "cómo", "after": "después de", "before": "antes de",
    "what": "qué", "when": "cuando", "where": "donde", "most": "mayoría", "more": "más",
    "than": "que", "about": "sobre", "all": "todos", "every": "cada", "there": "allí",
    "here": "aquí", "last": "último", "first": "primero", "other": "otro", "others": "otros",
    "lessons": "lecciones", "changed": "cambió", "enough": "suficiente", "million": "millones",
    "euros": "euros", "percent": "por ciento", "metres": "metros", "winters": "inviernos",
    "ago": "hace", "households": "hogares", "without": "sin", "heat": "calor",
    "running": "corriente", "built": "construido", "failed": "falló", "places": "lugares",
    "question": "pregunta", "many": "muchos", "coastal": "costeras", "communities":
    "comunidades", "ask": "preguntan", "higher": "más alto", "let": "dejar", "some": "algo",
    "back": "atrás", "volunteers": "voluntarios", "plant": "plantan", "reeds": "juncos",
    "along": "a lo largo de", "restored": "restaurada", "north": "norte", "photo": "foto",
    "fishponds": "estanques", "floodwalls": "diques", "floodwall": "dique",
    "rebuilt": "reconstruyó", "air": "aire", "seen": "vistos", "january": "enero",
    "march": "marzo", "farmland": "tierras de cultivo", "text": "texto", "system": "sistema",
    "warning": "aviso", "test": "prueba", "flood": "inundación", "sensors": "sensores",
    "above": "sobre", "below": "bajo", "level": "nivel", "hectares": "hectáreas",
    "returned": "devueltas", "raised": "elevado", "forty-two": "cuarenta y dos",
    "will": "va a", "would": "habría", "could": "podría", "should": "debería",
    "only": "solo", "also": "también", "still": "todavía", "into": "en", "out": "fuera",
    "up": "arriba", "over": "sobre", "under": "bajo", "between": "entre", "our": "nuestro",
    "fishpond": "estanque", "manager": "gerente",
}
_GERMAN = ("der", "die", "und", "nicht", "ist", "mit", "für", "auf", "wurde", "werden",
           "sich", "auch", "noch", "nach", "einer", "dem", "den", "über", "zwischen", "heute")
_TOKEN = re.compile(r"(<[^>]*>|&#?\w+;|[^\W\d_]+(?:-[^\W\d_]+)*)")
_PLACEHOLDER = re.compile(r"<\s*(/?)\s*x(\d+)\s*(/?)\s*>")
_TOKEN_OR_DIGIT = re.compile(r"<[^>]*>|\d")


def spanish(text: str) -> str:
    """The stub's translation: listed English words become Spanish, the rest stays."""
    def word(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith(("<", "&")):
            return token
        found = _SPANISH.get(token.lower())
        if found is None:
            return token
        return found[0].upper() + found[1:] if token[0].isupper() else found
    return _TOKEN.sub(word, text)


def german(text: str) -> str:
    """A wrong-language answer: words swapped for German ones, markup and numbers kept."""
    count = iter(range(10**6))

    def word(match: re.Match[str]) -> str:
        token = match.group(0)
        return token if token.startswith(("<", "&")) else _GERMAN[next(count) % len(_GERMAN)]
    return _TOKEN.sub(word, text)


@dataclass
class LLMFaults:
    """How the model misbehaves; shared by reference with the routes so tests can change it."""

    mode: str | None = None  # one of MODES
    target: str | None = None  # only segments whose text contains this; None: every segment
    times: int | None = None  # how many requests misbehave (HTTP faults too); None: all
    status: int | None = None  # answer this HTTP status instead
    retry_after: str | None = None
    delay: float = 0.0  # stall this long before answering
    structured: bool = True  # False: a server that rejects response_format (400)
    usage: bool = True  # False: a server that reports no token usage
    api_key: str | None = None  # key the server requires; None: any
    bodies: list[dict] = field(default_factory=list)  # every request body, parsed

    def take(self) -> bool:
        """Whether this request gets the fault (counts down ``times``)."""
        if self.times is None:
            return True
        if self.times <= 0:
            return False
        self.times -= 1
        return True


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    body = {"error": {"message": message, "type": "invalid_request_error", "code": None}}
    return Response(status, json.dumps(body), headers or {}, "application/json")


def _misbehave(mode: str, text: str) -> str:
    first = _PLACEHOLDER.search(text)
    if mode == "drop_placeholder" and first:  # the tag and its closing tag
        ident = first.group(2)
        return _PLACEHOLDER.sub(lambda m: "" if m.group(2) == ident else m.group(0), text)
    if mode == "duplicate_placeholder" and first:
        pair = re.search(rf"<x{first.group(2)}>.*?</x{first.group(2)}>|<x{first.group(2)}/>",
                         text)
        return f"{text} {pair.group(0)}"
    if mode == "note":
        return text + "\n\nNote: I kept the names in English."
    if mode == "change_number":  # digits of the text, not of the tags
        return _TOKEN_OR_DIGIT.sub(
            lambda m: m.group(0) if m.group(0).startswith("<")
            else str((int(m.group()) + 1) % 10), text)
    if mode == "wrong_language":
        return german(text)
    return text


def llm_routes(faults: LLMFaults | None = None, prefix: str = "/v1") -> dict[str, Route]:
    """Routes of an OpenAI-compatible server under ``prefix`` (clients use it as base URL)."""
    faults = faults if faults is not None else LLMFaults()

    def completions(request: Request) -> Response:
        body = json.loads(request.body)
        faults.bodies.append(body)
        if faults.api_key and request.headers.get("authorization") != f"Bearer {faults.api_key}":
            return _error(401, "Incorrect API key provided")
        if "response_format" in body and not faults.structured:
            return _error(400, "response_format json_schema is not supported by this server")
        misbehaving = (faults.status is not None or faults.delay or faults.mode) and faults.take()
        if misbehaving and faults.status is not None:
            headers = {"Retry-After": faults.retry_after} if faults.retry_after else {}
            return _error(faults.status, f"stub error {faults.status}", headers)
        delay = faults.delay if misbehaving else 0.0
        mode = faults.mode if misbehaving else None
        content, finish = _answer(body, mode, faults.target)
        prompt = sum(len(m["content"]) for m in body["messages"]) // 4
        reply = {
            "id": "chatcmpl-stub", "object": "chat.completion", "created": 0,
            "model": body.get("model", MODEL),
            "choices": [{"index": 0, "finish_reason": finish,
                         "message": {"role": "assistant", "content": content}}],
        }
        if faults.usage:
            reply["usage"] = {"prompt_tokens": prompt, "completion_tokens": len(content) // 4,
                              "total_tokens": prompt + len(content) // 4}
        return Response(200, json.dumps(reply), content_type="application/json", delay=delay)

    def models(request: Request) -> Response:
        return Response(200, json.dumps({"object": "list", "data": [
            {"id": MODEL, "object": "model", "created": 0, "owned_by": "stub"}]}),
            content_type="application/json")

    return {f"{prefix}/chat/completions": completions, f"{prefix}/models": models}


def _answer(body: dict, mode: str | None, target: str | None) -> tuple[str, str]:
    """The assistant's content and finish reason for a request."""
    asked = json.loads(body["messages"][-1]["content"])
    items = []
    hit = False
    for segment in asked["segments"]:
        text = spanish(segment["text"])
        chosen = mode is not None and (target is None or target in segment["text"])
        hit = hit or chosen
        if chosen and mode == "omit_id":
            continue
        if chosen:
            text = _misbehave(mode, text)
        items.append({"id": segment["id"], "text": text})
    if hit and mode == "extra_id":
        items.append({"id": "999", "text": "texto de más"})
    content = json.dumps({"translations": items}, ensure_ascii=False)
    if hit and mode == "preamble":
        content = "Here is the translation:\n" + content
    if hit and mode == "invalid_json":
        content = content[: len(content) // 2]
    return content, ("length" if hit and mode == "cut_off" else "stop")
