"""Blocks render to the matching HTML elements; articles render to readable Markdown."""

from __future__ import annotations

import pytest

from pipeline.document import Block
from pipeline.drafts.render import _ArticleMarkdown, render_blocks, render_markdown


def test_heading_keeps_level_and_inline_markup():
    assert render_blocks([Block("heading", html="Sub <em>title</em>", level=3)]) == (
        "<h3>Sub <em>title</em></h3>")


def test_paragraph_keeps_links_and_escapes_nothing_twice():
    inline = 'A <a href="https://e.example/">link</a> &amp; B'
    html = render_blocks([Block("paragraph", html=inline)])
    assert html == ('<p>A <a href="https://e.example/" rel="noopener noreferrer nofollow">link</a>'
                    " &amp; B</p>")


def test_lists_ordered_and_unordered():
    html = render_blocks([Block("list", items=("one", "<b>two</b>"), ordered=True),
                          Block("list", items=("x",))])
    assert "<ol><li>one</li><li><b>two</b></li></ol>" in html
    assert "<ul><li>x</li></ul>" in html


def test_quote_with_and_without_cite():
    html = render_blocks([Block("quote", html="We <em>will</em>.", cite="Ann <Lee> & Co")])
    assert html == ("<blockquote><p>We <em>will</em>.</p>"
                    "<cite>Ann &lt;Lee&gt; &amp; Co</cite></blockquote>")
    assert "<cite>" not in render_blocks([Block("quote", html="q")])


def test_figure_has_image_caption_then_escaped_credit():
    html = render_blocks([Block("figure", src="https://i.example/a.jpg?w=1&h=2", alt='A "cat" <3',
                                caption="A <em>cat</em>", credit="© Jo <Photo> & Co")])
    assert html == (
        '<figure><img src="https://i.example/a.jpg?w=1&amp;h=2" alt="A &quot;cat&quot; &lt;3">'
        '<figcaption>A <em>cat</em> <small class="credit">© Jo &lt;Photo&gt; &amp; Co</small>'
        "</figcaption></figure>"
    )


def test_figure_without_caption_has_no_figcaption():
    assert render_blocks([Block("figure", src="https://i.example/a.jpg")]) == (
        '<figure><img src="https://i.example/a.jpg" alt=""></figure>')


def test_table_header_rows_use_th():
    html = render_blocks([Block("table", rows=(("Year", "Count"), ("2023", "4"), ("2024", "5")),
                                header_rows=1)])
    assert html == (
        "<table><thead><tr><th>Year</th><th>Count</th></tr></thead>"
        "<tbody><tr><td>2023</td><td>4</td></tr><tr><td>2024</td><td>5</td></tr></tbody></table>"
    )


def test_unsafe_inline_html_in_a_block_is_removed():
    html = render_blocks([
        Block("paragraph", html='Hi<script>alert(1)</script> <a href="javascript:x()">l</a>'),
        Block("figure", src="javascript:alert(1)", caption="<img src=x onerror=alert(1)>c"),
    ])
    assert "script" not in html and "onerror" not in html and "javascript" not in html
    assert "Hi" in html


def test_markdown_headings_links_images_and_captions():
    body = render_blocks([
        Block("heading", html="Background", level=2),
        Block("paragraph", html='See <a href="https://e.example/report">the report</a>.'),
        Block("figure", src="https://i.example/a.jpg", alt="A harbour", caption="The harbour",
              credit="© Jo"),
        Block("list", items=("one", "two")),
        Block("quote", html="Quoted.", cite="Ann"),
    ])
    md = render_markdown("The title", body)
    lines = md.splitlines()
    assert lines[0] == "# The title"
    assert "## Background" in lines
    assert "See [the report](https://e.example/report)." in lines
    image = lines.index("![A harbour](https://i.example/a.jpg)")
    following = [line for line in lines[image + 1:] if line.strip()]
    assert following[0] == "The harbour © Jo"
    assert "- one" in lines and "- two" in lines
    assert "> Quoted." in lines and "> — Ann" in lines


def test_markdown_of_a_composed_article_does_not_repeat_the_title():
    html = ('<article lang="nl"><header><p>Disclaimer</p></header>'
            "<h1>Titel</h1><p>Tekst</p></article>")
    md = render_markdown("Titel", html)
    assert md.count("# Titel") == 1
    assert md.index("Disclaimer") < md.index("# Titel") < md.index("Tekst")


@pytest.mark.parametrize("src", ["javascript:alert(1)", "data:image/png;base64,AAAA", "mailto:a@b.example"])
def test_markdown_keeps_only_http_images(src):
    markdown = render_markdown("T", f'<p><img src="{src}" alt="A chart"></p>')
    assert src.split(":")[0] + ":" not in markdown
    assert "![" not in markdown


def test_markdown_keeps_an_https_image_with_a_hostile_alt_as_text():
    markdown = render_markdown("T", '<p><img src="https://img.example/a.png" alt="<b>x</b>"></p>')
    assert "](https://img.example/a.png" in markdown
    assert "<b>" not in markdown


def test_the_markdown_converter_itself_refuses_non_http_images():
    # A second line of defence behind sanitizing: the converter turns such an image into its alt.
    markdown = _ArticleMarkdown().convert('<p><img src="javascript:alert(1)" alt="A chart"></p>')
    assert "A chart" in markdown and "javascript:" not in markdown and "![" not in markdown
