"""The sanitizer keeps an article's markup and removes every way to run script."""

from __future__ import annotations

import re

import pytest

from pipeline.drafts.sanitize import clean_html, clean_inline

# Each payload tries to run script or leave the page; the marker text inside is what must
# never appear as markup in the output.
PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    '<img src="https://img.example/a.png" onerror="alert(1)">',
    "<img src=x onerror=alert(1)//>",
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph></table>"
    "</mtext></math>",
    '<math href="javascript:alert(1)">click</math>',
    '<a href="javascript:alert(1)">a</a>',
    '<a href="JaVaScRiPt:alert(1)">a</a>',
    '<a href=" javascript:alert(1)">a</a>',
    '<a href="java&#x09;script:alert(1)">a</a>',
    '<a href="java&#10;script:alert(1)">a</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)">a</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">a</a>',
    '<a href="vbscript:msgbox(1)">a</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">a</a>',
    '<a href="data:text/html,<script>alert(1)</script>">a</a>',
    '<img src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<img src="javascript:alert(1)">',
    '<iframe src="https://evil.example/"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="https://evil.example/x.swf"></object>',
    '<embed src="https://evil.example/x.swf">',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<form action="https://evil.example/"><input name="q"><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<p onclick="alert(1)" onmouseover="alert(1)">p</p>',
    '<div><template><script>alert(1)</script></template></div>',
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<!--<img src=x onerror=alert(1)>-->",
    '<a href="https://ok.example/" onfocus="alert(1)" autofocus>ok</a>',
    '<details open ontoggle="alert(1)">d</details>',
    '<video><source onerror="alert(1)"></video>',
    '<body onload="alert(1)">b</body>',
]

FORBIDDEN = re.compile(
    r"<\s*(script|style|iframe|object|embed|svg|math|form|input|button|meta|base|link|"
    r"template|noscript|video|source|details|body)\b"
    r"|\son\w+\s*="
    r"|\sstyle\s*="
    r"|javascript:|vbscript:|data:",
    re.IGNORECASE,
)


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("clean", [clean_html, clean_inline])
def test_no_payload_survives(clean, payload):
    output = clean(f"<p>before {payload} after</p>")
    assert not FORBIDDEN.search(output), output
    assert "before" in output and "after" in output


def test_safe_text_and_links_stay():
    html = ('<p>Read <a href="https://news.example/a?x=1&amp;y=2" title="source">the story</a>'
            ' or <a href="mailto:desk@news.example">write</a> to <em>us</em>.</p>')
    output = clean_html(html)
    assert 'href="https://news.example/a?x=1&amp;y=2"' in output
    assert 'title="source"' in output
    assert 'href="mailto:desk@news.example"' in output
    assert "<em>us</em>" in output
    assert "the story" in output


def test_links_get_rel_and_lose_foreign_rel_and_target():
    output = clean_html('<a href="http://a.example/" rel="opener" target="_blank">x</a>')
    assert 'rel="noopener noreferrer nofollow"' in output
    assert "opener\"" not in output.replace("noopener", "")
    assert "target" not in output


def test_relative_links_are_dropped():
    output = clean_html('<a href="/local/page">x</a>')
    assert "href" not in output
    assert ">x</a>" in output


def test_image_src_only_http():
    assert 'src="https://img.example/a.png"' in clean_html(
        '<img src="https://img.example/a.png" alt="A">')
    assert "src" not in clean_html('<img src="mailto:a@b.example">')
    assert "src" not in clean_html('<img src="ftp://img.example/a.png">')


def test_article_structure_is_kept():
    html = (
        '<article lang="nl"><header class="transdraft-header"><p>h</p></header>'
        "<h2>Sub</h2><ul><li>one</li></ul><blockquote><p>q</p><cite>c</cite></blockquote>"
        '<figure><img src="https://i.example/a.png" alt="a"><figcaption>cap '
        '<small class="credit">© X</small></figcaption></figure>'
        "<table><thead><tr><th>h</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>"
        '<footer class="transdraft-footer"><hr></footer></article>'
    )
    assert clean_html(html) == html


def test_unknown_classes_and_ids_are_dropped():
    output = clean_html('<p class="ad" id="x">t <span class="credit tracking">c</span></p>')
    assert output == '<p>t <span class="credit">c</span></p>'


def test_inline_drops_block_markup_but_keeps_text():
    output = clean_inline('<h2>Title</h2> <p>A <strong>b</strong> <img src="https://i.example/a">'
                          '<a href="https://x.example/">l</a></p>')
    assert output == ('Title A <strong>b</strong> '
                      '<a href="https://x.example/" rel="noopener noreferrer nofollow">l</a>')


def test_an_image_without_a_usable_source_is_dropped():
    assert clean_html('<p>a<img alt="src=">b</p>') == "<p>ab</p>"
    assert clean_html('<figure><img src="javascript:alert(1)" alt="x"></figure>') == "<figure></figure>"
    kept = clean_html('<img alt="x>y" src="https://img.example/a.png">')
    assert kept == '<img alt="x&gt;y" src="https://img.example/a.png">'
