"""``transdraft translate`` with ``TRANSDRAFT_PROVIDER=llm``: the seed-shaped article through
an OpenAI-compatible server keeps its structure, and ``status`` shows what it cost."""

from __future__ import annotations

import json
import re

import lxml.html
import pytest

from tests.stubs.openai_compat import MODEL, LLMFaults, llm_routes
from tests.stubs.server import Response, StubServer
from tests.stubs.translators import libre_routes

ARTICLE_PATH = "/climate/2025/03/marrow-bay-rebuild"
SOURCE_HREFS = {
    "/reports/marrow-bay-resilience-2025.pdf",
    "https://www.example.eu/funds/coastal-adaptation",
    "https://coast.example.ac.uk/studies/marrow-bay",
}
NUMBERS = ["1,450", "18.7", "3.2", "612", "2025", "2060", "96", "9"]


@pytest.fixture
def site(seed_html):
    with StubServer({ARTICLE_PATH: lambda request: Response(200, seed_html)}) as server:
        yield server


@pytest.fixture
def llm_stub():
    faults = LLMFaults(api_key="sk-test")
    with StubServer(llm_routes(faults)) as stub:
        stub.faults = faults
        yield stub


def env(database_url: str, stub: StubServer, **extra: str) -> dict[str, str]:
    return {"TRANSDRAFT_DATABASE_URL": database_url, "TRANSDRAFT_PROVIDER": "llm",
            "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1", "TRANSDRAFT_LLM_URL": stub.url("/v1"),
            "TRANSDRAFT_LLM_MODEL": MODEL, "TRANSDRAFT_LLM_API_KEY": "sk-test", **extra}


def show(transdraft, environment, url) -> dict:
    run = transdraft("translate", url, "--to", "es", env=environment)
    assert run.code == 0, run.stderr
    shown = transdraft("drafts", "show", run.stdout.strip(), "--format", "json",
                       env=environment)
    assert shown.code == 0, shown.stderr
    return json.loads(shown.stdout)


def test_seed_article_through_llm_keeps_every_heading_link_emphasis_caption_and_credit(
        transdraft, site, llm_stub, sqlite_url):
    environment = env(sqlite_url, llm_stub)
    draft = show(transdraft, environment, site.url(ARTICLE_PATH))
    assert draft["target_lang"] == "es"
    assert draft["title"].startswith("Diques y Estanques")  # the stub's Spanish

    doc = lxml.html.fromstring(draft["html"])
    header, = doc.xpath("//header[@class='transdraft-header']")
    assert f"Se tradujo automáticamente con el modelo de lenguaje {MODEL}" in \
        " ".join(header.text_content().split())
    for element in (header, *doc.xpath("//footer[@class='transdraft-footer']")):
        element.drop_tree()
    body_text = doc.text_content()
    assert len(doc.xpath("//h2")) == 3
    assert len(doc.xpath("//blockquote")) == 1
    assert len(doc.xpath("//li")) == 4
    assert len(doc.xpath("//figure")) == 2
    assert len(doc.xpath("//strong")) == 2 and len(doc.xpath("//em")) == 2
    assert doc.xpath("//strong")[0].text_content() == "1,450 hogares"
    captions = " ".join(fc.text_content() for fc in doc.xpath("//figcaption"))
    assert "© Jane Doe / Example Agency" in captions and "Lars Berg" in captions
    assert "Voluntarios plantan juncos" in captions  # caption translated
    hrefs = {a.get("href") for a in doc.iter("a")}
    for href in SOURCE_HREFS:
        assert (href if href.startswith("http") else site.url(href)) in hrefs
    for number in NUMBERS:
        assert re.search(rf"(?<![\d.,]){re.escape(number)}(?![\d]|[.,]\d)", body_text), number
    assert "Un muro es no suficiente" in body_text  # a heading, translated
    assert all(check["kind"] != "placeholders" for check in draft["checks"])

    # One request for the whole article; the key went along; status shows the spend.
    assert len(llm_stub.faults.bodies) == 1
    status = transdraft("status", env=environment)
    assert status.code == 0, status.stderr
    tokens = [line for line in status.stdout.splitlines() if line.startswith("tokens today")]
    assert len(tokens) == 1 and re.fullmatch(
        r"tokens today \(UTC\): llm \d+ in, \d+ out, 1 requests", tokens[0])
    assert re.search(r"characters sent today \(UTC\): llm \d+", status.stdout)


def test_llm_then_libre_from_the_provider_setting(transdraft, site, llm_stub, sqlite_url):
    llm_stub.faults.mode, llm_stub.faults.target = "wrong_language", "Engineers had warned"
    with StubServer(libre_routes()) as libre:
        environment = env(sqlite_url, llm_stub, TRANSDRAFT_PROVIDER="llm,libre",
                          TRANSDRAFT_LIBRE_URL=libre.base_url)
        draft = show(transdraft, environment, site.url(ARTICLE_PATH))
    body = lxml.html.fromstring(draft["html"]).text_content()
    assert "ENGINEERS HAD WARNED FOR YEARS" in body  # handed to libre
    assert "der die und" not in body  # the German answer never reached the draft
    assert draft["fallbacks"] == [{
        "block": draft["fallbacks"][0]["block"], "key": "html", "provider": "libre",
        "reason": "llm: answered in de, not es (also when sent alone)"}]
    assert draft["title"].startswith("Diques y Estanques")


def test_wrong_key_is_a_clear_error(transdraft, site, llm_stub, sqlite_url):
    run = transdraft("translate", site.url(ARTICLE_PATH), "--to", "es",
                     env=env(sqlite_url, llm_stub, TRANSDRAFT_LLM_API_KEY="sk-wrong"))
    assert run.code == 1
    last = run.stderr.splitlines()[-1]  # progress lines come first, the error line last
    assert last.startswith("error:") and "authentication failed (HTTP 401)" in last
    assert "sk-wrong" not in run.stderr
