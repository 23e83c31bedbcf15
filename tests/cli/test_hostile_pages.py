"""Hostile article pages (tests/stubs/hostile.py) through the whole pipeline: every page
translates (none is an internal error or a wrong "not an article"), and no script survives
into a draft."""

from __future__ import annotations

import json

import lxml.html
import pytest
from typer.testing import CliRunner

from cli.main import app
from pipeline.accounts import audit
from tests.stubs.hostile import pages
from tests.stubs.server import Response, StubServer
from tests.stubs.translators import libre_routes

PAGES = pages()
FORBIDDEN_TAGS = {"script", "iframe", "object", "embed", "svg", "math", "style", "form",
                  "input", "button", "meta", "base", "link", "template", "noscript"}


@pytest.fixture(scope="module")
def servers():
    routes = {path: (lambda body: lambda r: Response(200, body))(body)
              for path, body in PAGES.items()}
    with StubServer(routes) as site, StubServer(libre_routes()) as libre:
        yield site, libre


@pytest.mark.parametrize("path", sorted(PAGES))
def test_hostile_page_translates_or_fails_clearly(path, servers, sqlite_url):
    site, libre = servers
    env = {"TRANSDRAFT_DATABASE_URL": sqlite_url, "TRANSDRAFT_PROVIDER": "libre",
           "TRANSDRAFT_LIBRE_URL": libre.base_url, "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1"}
    runner = CliRunner()
    result = runner.invoke(app, ["translate", site.url(path), "--to", "nl"], env=env)
    audit.act_as(None)
    assert "internal error" not in result.stderr, result.stderr
    assert "Traceback" not in result.stderr
    # Every page is a real article around its payload: it must translate, not be refused
    # as "not an article" because of a stray control character.
    assert result.exit_code == 0, result.stderr
    draft_id = result.stdout.strip().splitlines()[-1]
    shown = runner.invoke(app, ["drafts", "show", draft_id, "--format", "json"], env=env)
    audit.act_as(None)
    html = json.loads(shown.stdout)["html"]
    assert "\x00" not in html
    for element in lxml.html.fragment_fromstring(html, create_parent="div").iter():
        assert element.tag not in FORBIDDEN_TAGS, (path, element.tag)
        for name, value in element.attrib.items():
            assert not name.lower().startswith("on"), (path, name)
            squeezed = "".join(ch for ch in value if ord(ch) > 0x20).lower()
            assert not squeezed.startswith(("javascript:", "vbscript:", "data:")), (path, value)
