"""``transdraft translate`` end to end: a seed-shaped article becomes a composed draft."""

from __future__ import annotations

import json
import re
import time

import lxml.html
import pytest

from tests.stubs.server import Response, StubServer
from tests.stubs.translators import google_routes, libre_routes

ARTICLE_PATH = "/climate/2025/03/marrow-bay-rebuild"
SOURCE_HREFS = {
    "/reports/marrow-bay-resilience-2025.pdf",
    "https://www.example.eu/funds/coastal-adaptation",
    "https://coast.example.ac.uk/studies/marrow-bay",
}
NUMBERS = ["18.7", "3.2", "2025", "2060", "96", "9"]


@pytest.fixture
def site(seed_html):
    with StubServer({ARTICLE_PATH: lambda request: Response(200, seed_html)}) as server:
        yield server


def _env(database_url: str, stub: StubServer, provider: str = "libre") -> dict[str, str]:
    env = {"TRANSDRAFT_DATABASE_URL": database_url, "TRANSDRAFT_PROVIDER": provider,
           "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1"}
    if provider == "libre":
        env["TRANSDRAFT_LIBRE_URL"] = stub.base_url
    elif provider == "google":
        env["TRANSDRAFT_GOOGLE_URL"] = stub.url("/m")
    return env


def _translate_and_show(transdraft, env, url, *extra):
    run = transdraft("translate", url, *extra, env=env)
    assert run.code == 0, run.stderr
    draft_id = run.stdout.strip()
    assert draft_id.isdigit()
    # Progress goes to stderr as plain lines (no terminal), ending with the summary.
    stages = run.stderr.splitlines()
    assert stages[0].startswith("fetching http://127.0.0.1")
    assert "extracting" in stages and "composing" in stages
    assert re.fullmatch(rf"draft {draft_id}: \d+ blocks, [\d,]+ characters sent.*, \d+ warnings?",
                        stages[-1]), stages[-1]
    shown = transdraft("drafts", "show", draft_id, "--format", "json", env=env)
    assert shown.code == 0, shown.stderr
    return json.loads(shown.stdout)


def _check_composed_article(draft: dict, site: StubServer, dutch: bool) -> None:
    canonical = site.url(ARTICLE_PATH)
    assert draft["source_url"] == canonical
    assert draft["status"] == "pending_review"
    assert draft["source_lang"] == "en"
    assert {"id", "target_lang", "title", "html", "checks"} <= draft.keys()
    assert draft["title"] == draft["title"].upper()  # the stub translates by upper-casing

    doc = lxml.html.fromstring(draft["html"])
    header, = doc.xpath("//header[@class='transdraft-header']")
    footer, = doc.xpath("//footer[@class='transdraft-footer']")
    body_start = doc.xpath("//h1")[0]
    # Header blocks above the body, footer blocks below it.
    order = [element for element in doc.iter() if element in (header, body_start, footer)]
    assert order == [header, body_start, footer]
    header_text = header.text_content()
    if dutch:
        assert "Dit is een vertaling" in header_text
    else:
        assert "This is a translation" in header_text
    assert "The Harbour Ledger" in header_text  # site name, never translated
    assert "Jane Doe" in header_text
    assert canonical in [a.get("href") for a in header.iter("a")]
    footer_text = footer.text_content()
    assert ("Het oorspronkelijke artikel" if dutch else "The original article") in footer_text

    # The body: between header and footer.
    for element in (header, footer):
        element.drop_tree()
    body_text = doc.text_content()
    assert len(doc.xpath("//h2")) == 3
    assert len(doc.xpath("//blockquote")) == 1
    assert len(doc.xpath("//li")) == 4
    assert len(doc.xpath("//figure")) == 2
    captions = " ".join(fc.text_content() for fc in doc.xpath("//figcaption"))
    assert "© Jane Doe / Example Agency" in captions  # credit kept verbatim
    assert "Lars Berg" in captions
    assert "VOLUNTEERS PLANT REEDS" in captions  # caption translated
    hrefs = {a.get("href") for a in doc.iter("a")}
    for href in SOURCE_HREFS:
        assert (href if href.startswith("http") else site.url(href)) in hrefs
    for number in NUMBERS:
        assert re.search(rf"\b{re.escape(number)}\b", body_text), number
    assert "FLOODWALL" in body_text
    # Page chrome and scripts of the source are gone.
    for chrome in ("Related stories", "Subscribe today", "Comments (3)", "cookie", "RELATED STORIES"):
        assert chrome not in body_text
    assert "<script" not in draft["html"].lower()


def test_seed_article_with_tracking_parameters_becomes_a_dutch_draft(transdraft, site, sqlite_url):
    with StubServer(libre_routes()) as libre:
        env = _env(sqlite_url, libre)
        url = site.url(ARTICLE_PATH + "?utm_source=newsletter&utm_medium=email&fbclid=abc123")
        draft = _translate_and_show(transdraft, env, url, "--to", "nl")
    assert draft["target_lang"] == "nl"
    _check_composed_article(draft, site, dutch=True)


def test_google_protocol_and_language_without_variant(transdraft, site, sqlite_url):
    with StubServer(google_routes()) as google:
        env = _env(sqlite_url, google, provider="google")
        draft = _translate_and_show(transdraft, env, site.url(ARTICLE_PATH), "--to", "it")
        assert google.requests, "the provider was never called"
    assert draft["target_lang"] == "it"
    _check_composed_article(draft, site, dutch=False)
    # No Italian variant ships: the reviewer is told which files to add, and the draft
    # records which template made each block.
    warnings = [c for c in draft["checks"] if c["kind"] == "block_language"]
    assert [w["message"].split("add ")[1].split()[0] for w in warnings] == [
        "header/10-disclaimer.it.html.j2", "footer/20-access.it.html.j2"]
    uses = {u["block"]: u for u in draft["block_uses"]}
    assert uses["10-disclaimer"]["template"] == "header/10-disclaimer.html.j2"
    assert uses["10-disclaimer"]["variant_missing"] is True
    assert uses["30-donate"]["rendered"] is False


@pytest.mark.postgres
def test_on_postgresql_with_listing_and_status(transdraft, site, pg_url):
    with StubServer(libre_routes()) as libre:
        env = _env(pg_url, libre)
        not_ready = transdraft("translate", site.url(ARTICLE_PATH), env=env)
        assert not_ready.code == 1
        assert not_ready.stderr.startswith("error:") and "db upgrade" in not_ready.stderr
        assert transdraft("db", "upgrade", env=env).code == 0
        draft = _translate_and_show(transdraft, env, site.url(ARTICLE_PATH + "#comments"))
        # The same article again: one draft, nothing re-sent.
        sent = len(libre.requests)
        again = transdraft("translate", site.url(ARTICLE_PATH + "?utm_campaign=x"), env=env)
        assert again.code == 0 and again.stdout.strip() == str(draft["id"])
        assert len(libre.requests) == sent
    _check_composed_article(draft, site, dutch=True)

    listed = transdraft("drafts", "list", "--format", "json", env=env)
    assert listed.code == 0
    drafts = json.loads(listed.stdout)
    assert [d["id"] for d in drafts] == [draft["id"]]
    status = json.loads(transdraft("status", "--format", "json", env=env).stdout)
    assert status == {
        "jobs": {"queued": 0, "running": 0, "done": 2, "failed": 0},
        "drafts": {"pending_review": 1, "approved": 0, "rejected": 0},
    }
    md = transdraft("drafts", "show", str(draft["id"]), "--format", "md", env=env)
    assert md.code == 0 and re.search(r"^## ", md.stdout, re.M)


def test_a_translate_killed_mid_run_is_taken_over_after_its_lease(transdraft, site, sqlite_url):
    """A killed `translate` leaves its job running; the next one waits for it and takes it
    over once the lease (renewed only while a process works on it) has run out."""
    from datetime import timedelta

    from pipeline.db.session import session_scope, upgrade
    from pipeline.jobs.intake import enqueue
    from pipeline.jobs.lease import claim

    upgrade(sqlite_url)
    with StubServer(libre_routes()) as libre:
        env = _env(sqlite_url, libre)
        url = site.url(ARTICLE_PATH)
        with session_scope(sqlite_url) as session:  # what the killed process had done
            job = enqueue(session, [url], "nl").new[0]
            assert claim(session, job.id, timedelta(seconds=4)) is not None
        started = time.monotonic()
        again = transdraft("translate", url, env=env)
        assert again.code == 0, again.stderr
        assert time.monotonic() - started >= 2  # it waited for the lease
        assert "error" not in again.stderr
        shown = json.loads(transdraft("jobs", "show", str(job.id), "--format", "json",
                                      env=env).stdout)
        assert (shown["state"], shown["draft_id"]) == ("done", int(again.stdout))
