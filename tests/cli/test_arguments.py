"""Command-line arguments meet the API's rules: language tags, private source URLs."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from cli.main import app
from pipeline.accounts import audit


@pytest.fixture
def run(sqlite_url):
    def invoke(*args):
        result = CliRunner().invoke(app, list(args), env={"TRANSDRAFT_DATABASE_URL": sqlite_url})
        audit.act_as(None)
        return result

    return invoke


@pytest.mark.parametrize("value", ['nl"; filename=evil.exe', "nl\x00", "x", "nl-" + "a" * 20,
                                   "../etc"])
def test_language_options_must_be_language_tags(run, value):
    for args in (["translate", "https://example.org/a", "--to", value],
                 ["translate", "https://example.org/a", "--from", value],
                 ["enqueue", "https://example.org/a", "--to", value],
                 ["sources", "add", "https://example.org/feed", "--kind", "feed", "--to", value]):
        result = run(*args)
        assert result.exit_code == 2, (args, result.stdout, result.stderr)
        assert "not a language tag" in result.stderr


def test_sources_add_checks_the_address_whatever_the_kind(run):
    for url in ("http://127.0.0.1:6379/feed", "http://10.0.0.1/rss", "http://[::1]/sitemap.xml"):
        result = run("sources", "add", url, "--kind", "feed")
        assert result.exit_code == 1, result.stdout
        assert result.stderr.startswith("error: fetch refused: private address")
    listed = run("sources", "list", "--format", "json")
    assert '"sources": []' in listed.stdout or listed.stdout.strip() in ("[]", '{"sources": []}')
