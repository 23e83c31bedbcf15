"""Provider ``llm`` against a stub OpenAI-compatible server: requests, answer checks, retry
alone, hand-over to the next provider, HTTP faults, usage, memory keys and labels."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta, timezone

import pytest

from pipeline.document import Block, ExtractedArticle
from pipeline.errors import ProviderUnavailable
from pipeline.ledger.memory import provider_fingerprint
from pipeline.translate import translate_article
from pipeline.translate.chain import Ledger
from pipeline.translate.glossary import Term
from pipeline.translate.labels import model_label
from pipeline.translate.providers.libre import LibreProvider
from pipeline.translate.providers.llm import LLMProvider
from tests.stubs.openai_compat import LLMFaults, llm_routes
from tests.stubs.server import StubServer
from tests.stubs.translators import libre_routes

MODEL = "qwen2.5-7b-instruct"
TARGET = "Farmers who gave up land"  # the paragraph the faults aim at
PARAGRAPHS = (
    'Two winters ago, Storm Ilse left <strong>1,450 households</strong> without heat for '
    'most of a week, and the harbour wall failed in three places.',
    'Farmers who gave up land received compensation and, in several cases, new jobs at the '
    '<a href="https://example.org/ponds">fishponds</a>, which were paid for by a fund of '
    '18.7 million euros.',
    'The council said the new wall is two metres higher than the old one and that the '
    'marsh was restored with <em>local</em> reeds.',
)


def article() -> ExtractedArticle:
    blocks = [Block("heading", html="A wall is not enough", level=2)]
    blocks += [Block("paragraph", html=text) for text in PARAGRAPHS]
    blocks.append(Block("figure", src="https://example.org/a.jpg", alt="Reeds in the marsh",
                        caption="Volunteers plant reeds along the marsh.",
                        credit="© Jane Doe / Example Agency"))
    return ExtractedArticle(url="https://example.org/story", title="How the town rebuilt",
                            blocks=blocks, source_lang="en")


class RecordingLedger(Ledger):
    """Remembers pauses, memory writes and usage instead of storing them."""

    def __init__(self) -> None:
        self.pauses: list[tuple[str, float, str]] = []
        self.remembered: list[tuple[str, str, str]] = []
        self.usage: list = []

    def pause(self, provider: str, seconds: float, reason: str) -> datetime:
        self.pauses.append((provider, seconds, reason))
        return datetime.now(timezone.utc) + timedelta(seconds=seconds)

    def remember(self, provider, source, target, entries) -> None:
        self.remembered += [(provider.name, text, translation) for text, translation in entries]

    def record_usage(self, provider: str, usage: list) -> None:
        self.usage += usage


@pytest.fixture
def llm_stub():
    faults = LLMFaults()
    with StubServer(llm_routes(faults)) as stub:
        stub.faults = faults
        yield stub


@pytest.fixture
def libre():
    with StubServer(libre_routes()) as stub:
        yield stub


def llm(stub: StubServer, timeout: float = 5.0, **options) -> LLMProvider:
    return LLMProvider(timeout, stub.url("/v1"), MODEL, **options)


def asked(stub: StubServer) -> list[list[str]]:
    """The segment texts of each request the model got."""
    return [[s["text"] for s in json.loads(b["messages"][-1]["content"])["segments"]]
            for b in stub.faults.bodies]


def by_block(result, index: int):
    return next(s for s in result.segments if s.block_index == index and s.key == "html")


def test_one_request_with_ids_context_glossary_and_house_style_keeps_all_markup(llm_stub):
    provider = llm(llm_stub, extra_instructions="Use the informal tú form.")
    ledger = RecordingLedger()
    result = translate_article(article(), "es", provider, ledger=ledger,
                               glossary=[Term("harbour wall", "malecón")])
    assert len(llm_stub.faults.bodies) == 1  # the whole article in one request
    body = llm_stub.faults.bodies[0]
    assert body["temperature"] == 0
    assert body["model"] == MODEL
    assert body["response_format"]["type"] == "json_schema"
    system = body["messages"][0]["content"]
    assert "from English into Spanish" in system
    assert '"harbour wall" -> "malecón"' in system
    assert "Use the informal tú form." in system
    segments = json.loads(body["messages"][-1]["content"])["segments"]
    assert [s["id"] for s in segments] == [str(n) for n in range(1, len(segments) + 1)]
    assert any("<x1>1,450 households</x1>" in s["text"] for s in segments)
    assert not any("example.org" in s["text"] for s in segments)  # link targets stay home

    assert result.provider == f"llm:{MODEL}"
    assert result.blocks[1].html.startswith("Dos inviernos hace")
    assert "<strong>1,450 hogares</strong>" in result.blocks[1].html
    assert '<a href="https://example.org/ponds">estanques</a>' in result.blocks[2].html
    assert "<em>local</em>" in result.blocks[3].html
    assert "malecón" in result.blocks[1].html  # the glossary term, masked and put back
    assert result.blocks[4].credit == "© Jane Doe / Example Agency"
    assert {s.provider for s in result.segments} == {"llm"}
    assert all(s.fallback_reason == "" for s in result.segments)
    assert len(ledger.remembered) == len(segments)
    assert len(ledger.usage) == 1 and ledger.usage[0].tokens_in > 0
    assert ledger.usage[0].chars_sent == sum(len(m["content"]) for m in body["messages"])


def test_the_paragraph_before_goes_along_as_context(llm_stub):
    provider = llm(llm_stub, max_segments=1)
    translate_article(article(), "es", provider)
    second_paragraph = next(json.loads(b["messages"][-1]["content"])
                            for b in llm_stub.faults.bodies if TARGET in b["messages"][-1]["content"])
    assert second_paragraph["context"].startswith("Two winters ago, Storm Ilse left 1,450")
    assert second_paragraph["title"] == "How the town rebuilt"


MISBEHAVIOURS = {
    "drop_placeholder": "placeholder <x1> missing",
    "duplicate_placeholder": "placeholder <x1> there 2 times",
    "preamble": "text outside the JSON answer",
    "note": "text beside the translation",
    "omit_id": "not answered exactly once",
    "extra_id": "answered ids that were not asked: 999",
    "invalid_json": "invalid JSON",
    "change_number": "number 18.7 missing",
    "wrong_language": "answered in de, not es",
    "cut_off": "the answer was cut off at the model's token limit",
}


@pytest.mark.parametrize("mode", sorted(MISBEHAVIOURS))
def test_a_misbehaving_answer_is_retried_alone_then_handed_to_the_next_provider(
        llm_stub, libre, mode):
    llm_stub.faults.mode, llm_stub.faults.target = mode, TARGET
    ledger = RecordingLedger()
    chain = [llm(llm_stub), LibreProvider(5, libre.base_url)]
    result = translate_article(article(), "es", chain, ledger=ledger)

    handed = by_block(result, 2)
    assert handed.provider == "libre"
    assert handed.translation.startswith("FARMERS WHO GAVE UP LAND")  # libre's upper case
    assert handed.fallback_reason.startswith("llm: " + MISBEHAVIOURS[mode])
    assert handed.fallback_reason.endswith("(also when sent alone)")
    # Asked once in the pack, once alone with the stricter instruction.
    requests = asked(llm_stub)
    assert [texts for texts in requests if any(TARGET in t for t in texts)][1] == \
        [t for t in requests[0] if TARGET in t]
    alone = [b for b in llm_stub.faults.bodies
             if TARGET in b["messages"][-1]["content"]][1]
    assert "was rejected" in alone["messages"][0]["content"]
    # Everything else is the model's, and nothing the model got wrong is kept anywhere.
    for segment in result.segments:
        if segment is not handed:
            assert segment.provider == "llm", segment
            assert segment.fallback_reason == ""
    assert not any(TARGET in text and provider == "llm"
                   for provider, text, _ in ledger.remembered)
    assert not any(mark in handed.translation for mark in ("Note", "der die", "19.8", "999"))


def test_a_segment_the_model_gets_right_when_asked_alone_stays_with_the_model(llm_stub, libre):
    llm_stub.faults.mode, llm_stub.faults.target, llm_stub.faults.times = (
        "drop_placeholder", TARGET, 1)
    chain = [llm(llm_stub), LibreProvider(5, libre.base_url)]
    result = translate_article(article(), "es", chain)
    segment = by_block(result, 2)
    assert segment.provider == "llm" and segment.fallback_reason == ""
    assert '<a href="https://example.org/ponds">estanques</a>' in segment.translation
    assert not libre.requests
    assert len(llm_stub.faults.bodies) == 2


def test_429_honours_retry_after_and_hands_the_article_on_at_once(llm_stub, libre):
    llm_stub.faults.status, llm_stub.faults.retry_after = 429, "30"
    ledger = RecordingLedger()
    result = translate_article(article(), "es", [llm(llm_stub), LibreProvider(5, libre.base_url)],
                               ledger=ledger)
    assert len(llm_stub.faults.bodies) == 1  # no retry behind the server's back
    assert ledger.pauses == [("llm", 30.0, "llm: HTTP 429 rate limited")]
    assert {s.provider for s in result.segments} == {"libre"}
    assert by_block(result, 1).fallback_reason == "llm: HTTP 429 rate limited"


def test_a_500_is_retried_once_then_handed_on(llm_stub, libre):
    llm_stub.faults.status = 500
    ledger = RecordingLedger()
    result = translate_article(article(), "es", [llm(llm_stub), LibreProvider(5, libre.base_url)],
                               ledger=ledger)
    assert len(llm_stub.faults.bodies) == 2  # ours: one retry; the client's own: none
    assert ledger.pauses and ledger.pauses[0][0] == "llm"
    assert by_block(result, 2).provider == "libre"
    assert "HTTP 500" in by_block(result, 2).fallback_reason


@pytest.mark.slow  # waits out a deadline by design
def test_a_stalled_server_times_out_is_retried_once_then_handed_on(llm_stub, libre):
    llm_stub.faults.delay = 3.0
    started = time.monotonic()
    result = translate_article(article(), "es",
                               [llm(llm_stub, timeout=0.5), LibreProvider(5, libre.base_url)],
                               ledger=RecordingLedger())
    assert time.monotonic() - started < 2.8
    assert len(llm_stub.faults.bodies) == 2
    assert by_block(result, 1).provider == "libre"
    assert "no answer from 127.0.0.1" in by_block(result, 1).fallback_reason


@pytest.mark.slow  # waits out a deadline by design
def test_alone_in_the_chain_a_stalled_server_is_a_transient_error(llm_stub):
    llm_stub.faults.delay = 2.0
    with pytest.raises(ProviderUnavailable, match="within 0.5s"):
        translate_article(article(), "es", llm(llm_stub, timeout=0.5), ledger=RecordingLedger())


def test_a_server_without_structured_output_gets_plain_json_requests(llm_stub):
    llm_stub.faults.structured = False
    provider = llm(llm_stub, max_segments=3)
    result = translate_article(article(), "es", provider)
    bodies = llm_stub.faults.bodies
    assert "response_format" in bodies[0] and "response_format" not in bodies[1]
    assert all("response_format" not in body for body in bodies[1:])
    assert {s.provider for s in result.segments} == {"llm"}


def test_usage_without_a_usage_field_is_counted_by_characters(llm_stub):
    llm_stub.faults.usage = False
    ledger = RecordingLedger()
    translate_article(article(), "es", llm(llm_stub), ledger=ledger)
    assert [(u.tokens_in, u.tokens_out) for u in ledger.usage] == [(None, None)]
    assert ledger.usage[0].chars_sent > sum(len(p) for p in PARAGRAPHS) // 2


def test_memory_keys_change_with_the_model_and_the_instructions(llm_stub):
    base = provider_fingerprint(llm(llm_stub))
    assert provider_fingerprint(llm(llm_stub)) == base
    assert provider_fingerprint(LLMProvider(5, llm_stub.url("/v1"), "llama3.1:8b")) != base
    assert provider_fingerprint(llm(llm_stub, extra_instructions="Short sentences.")) != base
    assert provider_fingerprint(llm(llm_stub, temperature=0.7)) != base


def test_the_model_is_named_for_readers():
    assert model_label(f"llm:{MODEL}") == f"the language model {MODEL}"
    assert model_label(f"llm:{MODEL}", "nl") == f"het taalmodel {MODEL}"
    assert model_label("llm", "it") == "a language model"
