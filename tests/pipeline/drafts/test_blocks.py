"""The shipped blocks: site settings, languages, the donation block, honest disclaimers."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from config.settings import Settings
from pipeline.document import Block, ExtractedArticle
from pipeline.drafts.compose import BlockTemplates, compose_draft

NOW = datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc)
BODY = [Block(kind="paragraph", html="Body text.")]
LANGS = {"en": "This is a translation", "nl": "Dit is een vertaling",
         "es": "Esta es una traducción", "de": "Dies ist eine Übersetzung",
         "fr": "Ceci est une traduction"}


def article() -> ExtractedArticle:
    return ExtractedArticle(url="https://news.example/a", title="Harbour", author="Jane Doe",
                            published="2025-02-28", site_name="Example Times",
                            source_lang="en", blocks=BODY)


def settings(**values) -> Settings:
    return Settings(database_url="sqlite://", **values)


@pytest.mark.parametrize("lang", LANGS)
def test_each_shipped_language_has_its_own_text_and_no_warning(lang):
    composed = compose_draft(article(), BODY, "T", lang, "apertium",
                             BlockTemplates.from_settings(settings()), now=NOW)
    assert LANGS[lang] in composed.html
    for other, words in LANGS.items():
        if other != lang:
            assert words not in composed.html
    assert composed.block_language_checks() == []
    assert all(not use.variant_missing for use in composed.block_uses)
    assert {use.template for use in composed.block_uses} == {
        f"header/10-disclaimer.{lang}.html.j2", f"footer/20-access.{lang}.html.j2",
        f"footer/30-donate.{lang}.html.j2"}


@pytest.mark.parametrize("lang", LANGS)
def test_no_disclaimer_claims_a_review_and_no_placeholder_donation_link(lang):
    html = compose_draft(article(), BODY, "T", lang, "google",
                         BlockTemplates.from_settings(settings()), now=NOW).html
    for claim in ("reviewed", "nagekeken", "revisad", "geprüft", "relu", "révisé"):
        assert claim not in html
    assert "donate" not in html and "example.org" not in html
    assert "<footer" in html  # the access block is still there


def test_donation_block_uses_the_configured_url_and_site_values_reach_templates(tmp_path):
    (tmp_path / "footer").mkdir(parents=True)
    (tmp_path / "footer" / "10-site.html.j2").write_text(
        "<p>{{ site.name }} {{ site.url }} {{ site.motto }}</p>")
    toml = tmp_path / "site.toml"
    toml.write_text('[site]\nmotto = "Read widely"\nname = "From TOML"\n')
    import os

    os.environ["TRANSDRAFT_CONFIG"] = str(toml)
    os.environ["TRANSDRAFT_SITE_URL"] = "https://krant.example/"
    os.environ["TRANSDRAFT_SITE_MOTTO"] = "Lees breed"
    try:
        configured = settings(site_name="De Krant", blocks_dir=tmp_path)
        html = compose_draft(article(), BODY, "T", "nl", "google",
                             BlockTemplates.from_settings(configured), now=NOW).html
    finally:
        del os.environ["TRANSDRAFT_CONFIG"], os.environ["TRANSDRAFT_SITE_URL"]
        del os.environ["TRANSDRAFT_SITE_MOTTO"]
    assert "De Krant https://krant.example/ Lees breed" in html  # env over TOML, any key

    shipped = BlockTemplates.from_settings(settings(donate_url="https://krant.example/steun"))
    html = compose_draft(article(), BODY, "T", "es", "google", shipped, now=NOW).html
    assert 'href="https://krant.example/steun"' in html and "donación" in html


def test_missing_variant_is_recorded_and_warned_with_the_file_to_add():
    composed = compose_draft(article(), BODY, "T", "it", "google",
                             BlockTemplates.from_settings(settings()), now=NOW)
    uses = {use.block: use for use in composed.block_uses}
    assert uses["10-disclaimer"].template == "header/10-disclaimer.html.j2"
    assert uses["10-disclaimer"].variant_missing is True
    assert uses["30-donate"].rendered is False  # no donation URL: nothing shown
    checks = composed.block_language_checks()
    assert [c["kind"] for c in checks] == ["block_language", "block_language"]
    assert checks[0]["block"] is None
    assert "header/10-disclaimer" in checks[0]["message"]
    assert "add header/10-disclaimer.it.html.j2" in checks[0]["message"]
    assert "add footer/20-access.it.html.j2" in checks[1]["message"]


def test_misspelt_site_key_is_a_startup_error(tmp_path):
    from pipeline.errors import TemplateError

    (tmp_path / "header").mkdir()
    (tmp_path / "header" / "10-x.html.j2").write_text("<p>{{ site.donation_url }}</p>")
    with pytest.raises(TemplateError, match="10-x.html.j2"):
        BlockTemplates.from_settings(settings(blocks_dir=tmp_path))
