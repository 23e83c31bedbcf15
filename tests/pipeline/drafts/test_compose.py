"""Composing a draft: block templates around the translated article, checked at load."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from config.settings import Settings
from pipeline.document import Block, ExtractedArticle
from pipeline.drafts.compose import BlockTemplates, compose
from pipeline.errors import TemplateError

NOW = datetime(2024, 5, 1, 9, 30, tzinfo=timezone.utc)


def make_article(**changes) -> ExtractedArticle:
    fields = dict(
        url="https://news.example/2024/harbour?ref=1&x=2",
        title="Harbour reopens",
        blocks=[],
        author="Jane Doe",
        published="2024-04-30",
        site_name="Example Times",
        source_lang="en",
    )
    fields.update(changes)
    return ExtractedArticle(**fields)


BODY = [Block("paragraph", html="De haven is weer open.")]


def write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


@pytest.fixture
def blocks_dir(tmp_path) -> Path:
    root = tmp_path / "blocks"
    write(root, "header/20-second.html.j2", "<p>H2 {{ target_lang }}</p>")
    write(root, "header/10-first.html.j2", "<p>H1 base</p>")
    write(root, "header/10-first.nl.html.j2", "<p>H1 dutch</p>")
    write(root, "header/15-only-nl.nl.html.j2", "<p>only for nl</p>")
    write(root, "footer/30-last.html.j2", "<p>F30</p>")
    write(root, "footer/05-early.html.j2", "<p>F05 {{ provider }}</p>")
    write(root, "footer/README.txt", "not a template")
    return root


def test_header_above_title_above_body_above_footer(blocks_dir):
    html = compose(make_article(), BODY, "Haven weer open", "de", "google",
                   BlockTemplates(blocks_dir), now=NOW)
    assert html.startswith('<article lang="de">')
    order = ['class="transdraft-header"', "H1 base", "H2 de", "<h1>Haven weer open</h1>",
             "De haven is weer open.", 'class="transdraft-footer"', "F05 google", "F30"]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions)
    assert html.endswith("</article>")


def test_language_variant_replaces_base_only_for_its_language(blocks_dir):
    templates = BlockTemplates(blocks_dir)
    nl = templates.render("header", {"article": make_article(), "translated_title": "t",
                                     "target_lang": "nl", "provider": "google", "now": NOW})
    de = templates.render("header", {"article": make_article(), "translated_title": "t",
                                     "target_lang": "de", "provider": "google", "now": NOW})
    assert nl == ["<p>H1 dutch</p>", "<p>only for nl</p>", "<p>H2 nl</p>"]
    assert de == ["<p>H1 base</p>", "<p>H2 de</p>"]


def test_shipped_templates_fill_variables_for_nl_and_fall_back_for_it():
    templates = BlockTemplates.from_settings(Settings(donate_url="https://team.example/give"))
    nl = compose(make_article(), BODY, "Haven weer open", "nl", "deepl", templates, now=NOW)
    assert 'href="https://news.example/2024/harbour?ref=1&amp;x=2"' in nl
    assert "Example Times" in nl and "Jane Doe" in nl and "DeepL" in nl
    assert "Dit is een vertaling" in nl and "donatie" in nl
    assert 'href="https://team.example/give"' in nl
    assert '<article lang="nl">' in nl
    it = compose(make_article(), BODY, "Porto riaperto", "it", "google", templates, now=NOW)
    assert "This is a translation" in it and "Google Translate" in it
    assert "Dit is een vertaling" not in it


def test_shipped_templates_read_well_without_author_or_site():
    templates = BlockTemplates(Settings().blocks_dir)
    html = compose(make_article(author="", site_name="", published=""), BODY, "T", "en",
                   "google", templates, now=NOW)
    assert " by ," not in html and "by  " not in html and "None" not in html
    assert "This is a translation of the article" in html


def test_template_values_are_autoescaped(tmp_path):
    write(tmp_path, "header/10-t.html.j2", "<p>{{ article.title }} / {{ translated_title }}</p>")
    html = compose(make_article(title="Bad <script>alert(1)</script> title"), BODY,
                   "<img src=x onerror=alert(1)>", "nl", "google", BlockTemplates(tmp_path),
                   now=NOW)
    assert "<script>" not in html and "<img" not in html
    assert "Bad &lt;script&gt;alert(1)&lt;/script&gt; title" in html
    assert "<h1>&lt;img src=x onerror=alert(1)&gt;</h1>" in html


def test_template_markup_is_sanitized_too(tmp_path):
    write(tmp_path, "footer/10-t.html.j2", '<p onclick="x()">ok</p><script>alert(1)</script>')
    html = compose(make_article(), BODY, "T", "nl", "google", BlockTemplates(tmp_path), now=NOW)
    assert "<p>ok</p>" in html and "script" not in html and "onclick" not in html


def test_syntax_error_names_the_file_and_line(tmp_path):
    write(tmp_path, "header/10-x.html.j2", "<p>fine</p>\n<p>{% if article.author %}oops</p>\n")
    with pytest.raises(TemplateError) as caught:
        BlockTemplates(tmp_path)
    message = str(caught.value)
    assert message.startswith("block template header/10-x.html.j2: ")
    assert message.endswith("(line 2)")


def test_undefined_variable_is_caught_at_load(tmp_path):
    write(tmp_path, "footer/20-typo.nl.html.j2", "<p>\n{{ artcle.title }}</p>")
    with pytest.raises(TemplateError) as caught:
        BlockTemplates(tmp_path)
    assert str(caught.value) == (
        "block template footer/20-typo.nl.html.j2: 'artcle' is undefined (line 2)")


def test_undefined_attribute_is_caught_at_load(tmp_path):
    write(tmp_path, "header/10-x.html.j2", "<p>{{ article.autor }}</p>")
    with pytest.raises(TemplateError, match="header/10-x.html.j2: .*autor"):
        BlockTemplates(tmp_path)


def test_unreadable_template_is_a_template_error(tmp_path):
    (tmp_path / "header").mkdir()
    (tmp_path / "header" / "10-bin.html.j2").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(TemplateError, match="header/10-bin.html.j2: cannot be read"):
        BlockTemplates(tmp_path)


def test_missing_blocks_dir_is_a_template_error(tmp_path):
    with pytest.raises(TemplateError, match="does not exist"):
        BlockTemplates(tmp_path / "nowhere")


def test_custom_blocks_dir_from_settings(tmp_path, monkeypatch):
    write(tmp_path / "custom", "footer/10-note.html.j2",
          "<p>Our own note for {{ target_lang }}</p>")
    monkeypatch.setenv("TRANSDRAFT_BLOCKS_DIR", str(tmp_path / "custom"))
    templates = BlockTemplates.from_settings(Settings())
    html = compose(make_article(), BODY, "T", "fr", "google", templates, now=NOW)
    assert "Our own note for fr" in html
    assert "transdraft-header" not in html  # no header/ folder: no header blocks
    explicit = BlockTemplates.from_settings(Settings(blocks_dir=tmp_path / "custom"))
    assert explicit.names("footer", "fr") == ["footer/10-note.html.j2"]


def test_now_and_dates_are_available_to_templates(tmp_path):
    write(tmp_path, "footer/10-date.html.j2",
          "<p>{{ now | plain_date }} {{ article.published | plain_date }} {{ now.year }}</p>")
    html = compose(make_article(published="2024-04-30T22:00:00+00:00"), BODY, "T", "nl",
                   "google", BlockTemplates(tmp_path), now=NOW)
    assert "<p>2024-05-01 2024-04-30 2024</p>" in html


def test_naive_now_is_refused(tmp_path):
    with pytest.raises(ValueError):
        compose(make_article(), BODY, "T", "nl", "google", BlockTemplates(tmp_path),
                now=datetime(2024, 1, 1))
