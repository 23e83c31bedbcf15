"""Provider ``llm``: a language model behind any OpenAI-compatible chat-completions server.

Ollama, vLLM, llama.cpp's server, LM Studio and the vendors (OpenAI, Mistral, Groq,
OpenRouter, Azure) all speak this protocol, so the official ``openai`` client with a
``base_url`` serves them all. The client's own retries are off and every request has a
timeout: transdraft's retry, cool-down and fallback logic decides what happens next, through
the same typed errors every provider raises.

A pack of segments becomes one request (see :mod:`pipeline.translate.providers.llm_request`); the
answer is checked segment by segment (see :mod:`pipeline.translate.providers.llm_answers`) and a
segment whose answer fails is refused, so the chain asks for it again alone and then hands
it on. Structured output (a JSON schema) is asked for; a server that rejects it gets the
same request without, once, and keeps getting plain JSON requests after that.
"""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

import httpx
import openai

from pipeline.errors import PipelineError, ProviderError, ProviderUnavailable
from pipeline.http_headers import retry_after_seconds
from pipeline.translate.base import Provider, status_error, unreachable_error
from pipeline.translate.context import ArticleContext, Refused, RequestUsage
from pipeline.translate.providers.llm_answers import AnswerInvalid, parse_answer, segment_problem
from pipeline.translate.providers.llm_request import (
    RESPONSE_FORMAT,
    ChatRequest,
    build_request,
    instructions_fingerprint,
)

# A token is about 3 characters or more in the languages news is written in; prompt and
# answer share the context window, the answer about 1.3 times the text sent, and the
# instructions and context take about 700 tokens.
CHARS_PER_TOKEN = 3
PROMPT_TOKENS = 700
ANSWER_GROWTH = 1.3
CONNECT_TIMEOUT = 10.0


def max_chars_for(context_tokens: int) -> int:
    """Most characters of segment text one request may carry in a context of that size."""
    room = max(context_tokens - PROMPT_TOKENS, 256)
    return max(500, int(room * CHARS_PER_TOKEN / (1 + ANSWER_GROWTH)))


class LLMProvider(Provider):
    """A chat model asked for JSON translations of numbered, placeholder-marked segments."""

    name = "llm"
    supports_markup = True  # segments go as escaped text with <xN> placeholders
    checks_answers = True
    overhead_per_segment = 24  # {"id": "12", "text": ""}, in the request and the answer

    def __init__(self, timeout: float, base_url: str, model: str, api_key: str | None = None,
                 *, temperature: float = 0.0, max_segments: int = 40,
                 extra_instructions: str = "", context_tokens: int = 8192) -> None:
        super().__init__(timeout)
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.temperature = temperature
        self.max_segments = max(1, max_segments)
        self.max_chars = max_chars_for(context_tokens)
        self.extra_instructions = extra_instructions
        self.host = urlsplit(self.base_url).netloc or self.base_url
        # Local servers want no key; a placeholder keeps the client from reading
        # OPENAI_API_KEY from the environment and sending it to whatever server this is.
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=api_key or "no-key", max_retries=0,
            timeout=openai.Timeout(timeout, connect=min(CONNECT_TIMEOUT, timeout)))
        self._structured: bool | None = None  # does the server take response_format?
        self._usage: list[RequestUsage] = []

    @property
    def label(self) -> str:
        return f"llm:{self.model}"

    @property
    def settings_fingerprint(self) -> str:
        """Model, temperature and instructions: a change must not reuse old translations."""
        parts = [self.model, f"{self.temperature:g}",
                 instructions_fingerprint(self.extra_instructions)]
        return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:16]

    def translate_texts(self, texts: list[str], source: str, target: str) -> list[str]:
        """Without context; a refused text comes back empty (which the chain never uses)."""
        return [answer if isinstance(answer, str) else ""
                for answer in self.translate_pack(texts, source, target)]

    def pack_chars(self, texts: list[str], source: str, target: str,
                   context: ArticleContext | None = None, strict: bool = False) -> int:
        return self._request(texts, source, target, context, strict).chars

    def take_usage(self) -> list[RequestUsage]:
        usage, self._usage = self._usage, []
        return usage

    def translate_pack(self, texts: list[str], source: str, target: str,
                       context: ArticleContext | None = None,
                       strict: bool = False) -> list[str | Refused]:
        request = self._request(texts, source, target, context, strict)
        content, cut_off = self._complete(request)
        if cut_off:
            return [Refused("the answer was cut off at the model's token limit")] * len(texts)
        try:
            answers = parse_answer(content, request.ids)
        except AnswerInvalid as error:
            return [Refused(error.reason)] * len(texts)
        results: list[str | Refused] = []
        for ident, sent in zip(request.ids, texts):
            answer = answers[ident]
            problem = ("not answered exactly once" if answer is None
                       else segment_problem(sent, answer, source, target))
            results.append(Refused(problem) if problem else answer.strip())
        return results

    def _request(self, texts: list[str], source: str, target: str,
                 context: ArticleContext | None, strict: bool) -> ChatRequest:
        return build_request(texts, source, target, context, self.extra_instructions, strict)

    def _complete(self, request: ChatRequest) -> tuple[str, bool]:
        """The assistant's text and whether it was cut off; our errors for the server's."""
        structured = self._structured is not False
        arguments = {"model": self.model, "messages": request.messages,
                     "temperature": self.temperature}
        if structured:
            arguments["response_format"] = RESPONSE_FORMAT
        try:
            response = self._client.chat.completions.create(**arguments)
        except openai.BadRequestError as error:
            self._count(request.chars)
            self._usage.append(RequestUsage(request.chars))
            if structured and self._structured is None and _about_format(error):
                self._structured = False
                return self._complete(request)
            raise self._error(error) from None
        except openai.APIStatusError as error:
            # The server answered: what was sent counts, as with every other provider.
            self._count(request.chars)
            self._usage.append(RequestUsage(request.chars))
            raise self._error(error) from None
        except openai.APIError as error:
            raise self._error(error) from None
        self._count(request.chars)
        if structured:
            self._structured = True
        usage = response.usage
        self._usage.append(RequestUsage(
            request.chars, getattr(usage, "prompt_tokens", None),
            getattr(usage, "completion_tokens", None)))
        if not response.choices:
            return "", False
        choice = response.choices[0]
        return choice.message.content or "", choice.finish_reason == "length"

    def _error(self, error: openai.APIError) -> PipelineError:
        """The typed error every provider raises, so retries and cool-downs apply alike."""
        if isinstance(error, openai.APITimeoutError):
            return ProviderUnavailable(
                f"{self.name}: no answer from {self.host} within {self.timeout:g}s")
        if isinstance(error, openai.APIConnectionError):
            if isinstance(error.__cause__, httpx.TransportError):
                return unreachable_error(self._client.base_url.__str__(), error.__cause__)
            return ProviderUnavailable(f"{self.name}: connection to {self.host} failed")
        if isinstance(error, openai.APIStatusError):
            detail = error.message if isinstance(error.message, str) else ""
            if error.status_code == 404:
                return ProviderError(f"{self.name}: {self.host} has no model {self.model!r} "
                                     f"or no /chat/completions (HTTP 404)")
            return status_error(self.name, error.status_code, detail,
                                retry_after_seconds(error.response.headers.get("retry-after")))
        return ProviderUnavailable(f"{self.name}: {type(error).__name__} from {self.host}")

    def close(self) -> None:
        self._client.close()


def _about_format(error: openai.BadRequestError) -> bool:
    """A 400 that complains about response_format: the server has no structured output."""
    text = f"{error.message} {error.body}".lower()
    return "response_format" in text or "json_schema" in text or "response format" in text
