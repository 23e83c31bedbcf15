"""``translate`` past a daily character budget, and the usage line of ``status``."""

from __future__ import annotations

import json
import re

from tests.stubs.server import Response, StubServer
from tests.stubs.translators import libre_routes

PATH = "/climate/2025/03/marrow-bay-rebuild"


def test_budget_stops_translate_and_status_shows_usage(transdraft, seed_html, sqlite_url):
    with StubServer({PATH: lambda request: Response(200, seed_html)}) as site, \
            StubServer(libre_routes()) as libre:
        env = {"TRANSDRAFT_DATABASE_URL": sqlite_url, "TRANSDRAFT_PROVIDER": "libre",
               "TRANSDRAFT_LIBRE_URL": libre.base_url,
               "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1",
               "TRANSDRAFT_CHAR_BUDGET_DAILY": "200"}
        held = transdraft("translate", site.url(PATH), env=env)
        assert held.code == 1
        assert re.fullmatch(r"error: provider libre daily character budget of 200 exceeded "
                            r"\(0 used today, \d+ more needed\).*UTC.*",
                            held.stderr.splitlines()[-1]), held.stderr
        assert held.stderr.count("error:") == 1
        assert libre.requests == []
        status = transdraft("status", env=env)
        assert "characters sent today (UTC): none" in status.stdout

        env["TRANSDRAFT_CHAR_BUDGET_DAILY"] = "100000"
        done = transdraft("translate", site.url(PATH), env=env)
        assert done.code == 0, done.stderr
        sent = sum(len(text) for r in libre.requests for text in json.loads(r.body)["q"])
    status = transdraft("status", env=env)
    assert status.code == 0
    assert f"characters sent today (UTC): libre {sent}/100000" in status.stdout
    as_json = json.loads(transdraft("status", "--format", "json", env=env).stdout)
    assert set(as_json) == {"jobs", "drafts"}
    assert as_json["jobs"]["failed"] == 1 and as_json["jobs"]["done"] == 1


def test_an_invalid_glossary_fails_before_anything_is_fetched(transdraft, sqlite_url, tmp_path):
    glossary = tmp_path / "glossary.toml"
    glossary.write_text("[nl]\nterm = 3\n", encoding="utf-8")
    with StubServer(lambda request: Response(200, "")) as site:
        run = transdraft("translate", site.url(PATH), env={
            "TRANSDRAFT_DATABASE_URL": sqlite_url, "TRANSDRAFT_GLOSSARY_FILE": str(glossary),
            "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1"})
        assert site.requests == []
    assert run.code == 1
    assert run.stderr.startswith("error: glossary ") and "must map to a string" in run.stderr
