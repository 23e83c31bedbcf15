"""Extraction keeps every word trafilatura finds and nothing that is not the article (issue 17).

Each cause has a page of its own in tests/fixtures/extract/.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import trafilatura
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.checks.extraction_loss import extraction_loss
from pipeline.document import ExtractedArticle
from pipeline.extract import extract
from pipeline.extract.inline import normalize_space, plain_text

PAGES = Path(__file__).resolve().parents[2] / "fixtures" / "extract"
URL = "https://news.example.org/2026/06/story"


def _page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def _texts(article: ExtractedArticle) -> list[str]:
    return [plain_text(text) for block in article.blocks for _, text in block.segments()]


def test_text_after_a_comment_inside_a_paragraph_is_kept():
    article = extract(_page("comment.html"), URL)
    texts = _texts(article)
    assert ("The agency said the director told reporters by email. "
            "This sentence must survive the comment.") in texts
    assert texts[0].endswith("eleven pumps bought in 2024 were never installed, and that "
                             "three of them cannot be found at all.")
    # After a processing instruction and a comment inside an inline element too.
    assert ("Auditors asked the board to publish its inventory every quarter and to name the "
            "person responsible for each station in the district.") in texts
    assert "<strong>station</strong> in the district." in article.blocks[2].html


def test_a_japanese_article_is_extracted_whole():
    page = _page("japanese.html")
    article = extract(page, URL)
    reference = trafilatura.extract(page, include_comments=False)
    body = "".join(_texts(article))
    for line in reference.splitlines()[1:]:  # the first line is the title
        assert line in body
    assert article.title == "港町の祭りが四年ぶりに復活"
    assert article.source_lang == "ja"


def test_a_gallery_gives_one_figure_per_image_and_no_chrome():
    article = extract(_page("gallery.html"), "https://courier.example/local/harbour-festival")
    figures = [b for b in article.blocks if b.kind == "figure"]
    assert [(f.src, plain_text(f.caption), f.credit) for f in figures] == [
        ("https://courier.example/photos/festival-quay.jpg",
         "Crowds on the quay at noon, when the first boats came in.",
         "Jonas Berg / Coast Courier"),
        ("https://courier.example/photos/festival-trawler.jpg",
         "Children aboard the trawler Margit, built in 1961.",
         "Jonas Berg / Coast Courier"),
    ]
    texts = [t for b in article.blocks if b.kind != "figure"
             for t in (plain_text(s) for _, s in b.segments())]
    assert len(texts) == 4  # the four paragraphs of the story, nothing else
    assert not any(re.search(r"\b(less|more|Previous|Next|2 of 2)\b$", t) for t in texts)
    assert not any("Crowds on the quay" in t or "Children aboard" in t for t in texts)
    assert not any("logo" in f.src or "pixel" in f.src or "spacer" in f.src for f in figures)


def test_a_bare_year_is_no_publication_date():
    article = extract(_page("bare_year.html"), URL)
    assert article.published is None
    assert article.to_dict()["published"] is None


def test_a_date_stated_to_the_day_is_kept():
    assert extract(_page("japanese.html"), URL).published == "2026-06-14"
    assert extract(_page("gallery.html"), URL).published == "2026-06-14"


def test_the_reference_length_is_stored_and_a_full_body_raises_no_warning():
    article = extract(_page("comment.html"), URL)
    restored = ExtractedArticle.from_dict(article.to_dict())
    assert restored.reference_chars == article.reference_chars > 300
    assert extraction_loss(restored) == []


def test_a_body_markedly_shorter_than_trafilatura_text_is_flagged():
    article = extract(_page("comment.html"), URL)
    article.blocks = article.blocks[:1]
    checks = extraction_loss(article)
    assert [(c.kind, c.block) for c in checks] == [("extraction_loss", -1)]
    assert "text may be missing" in checks[0].message


_FILLER = ("<p>The council met on Tuesday evening to discuss the harbour, the school and the "
           "roads, and agreed to meet again next month after the summer break.</p>")
_WORDS = st.sampled_from(["harbour", "council", "said", "the", "on", "Tuesday", "1961",
                          "€4.5", "naïve", "quay", "über", "and", "of", "town"])
_TEXT = st.builds(lambda words, before, after: before + " ".join(words) + after,
                  st.lists(_WORDS, min_size=1, max_size=5), st.sampled_from(["", " "]),
                  st.sampled_from(["", " ", "\n"]))
_INLINE = st.builds(lambda tag, text: (f'<{tag} href="/x">' if tag == "a" else f"<{tag}>")
                    + html.escape(text) + f"</{tag}>", st.sampled_from(
                        ["em", "strong", "a", "span", "b", "i", "code", "sup"]), _TEXT)
_COMMENT = st.sampled_from(["<!-- -->", "<!-- end of span -->", "<!---->"])
_PARTS = st.lists(st.one_of(_TEXT.map(html.escape), _INLINE, _COMMENT), min_size=1, max_size=8)


def _visible(markup: str) -> str:
    return normalize_space(html.unescape(re.sub(r"<!--.*?-->|<[^>]+>", "", markup)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_PARTS)
def test_a_paragraph_keeps_its_visible_text_whatever_its_inline_content(parts):
    lead = "Residents of the old town told reporters on the quay that "
    markup = lead + "".join(parts) + " and nothing else."
    page = (f"<html><head><title>Harbour</title></head><body><article><h1>Harbour</h1>"
            f"{_FILLER}<p>{markup}</p>{_FILLER.replace('Tuesday', 'Friday')}"
            f"</article></body></html>")
    article = extract(page, URL)
    assert _visible(markup) in _texts(article)


def test_the_shipped_disclaimers_say_nothing_of_a_date_the_page_does_not_state():
    from config.settings import Settings
    from pipeline.drafts.compose import BlockTemplates, compose

    article = extract(_page("bare_year.html"), URL)
    article.site_name = "Вечерние новости"
    templates = BlockTemplates(Settings().blocks_dir)
    body = article.blocks
    nl = compose(article, body, "Gemeenteraad keurt begroting goed", "nl", "google", templates)
    en = compose(article, body, "City council approves budget", "en", "google", templates)
    assert "oorspronkelijk verschenen bij Вечерние новости." in nl
    assert "first published by Вечерние новости." in en
    for html_text in (nl, en):
        assert "2026-" not in html_text and "None" not in html_text
        assert " op " not in html_text.split("</p>")[0]
        assert " on " not in html_text.split("</p>")[0]


def _story(paragraph: str) -> str:
    return (f"<html><head><title>Harbour</title></head><body><article><h1>Harbour</h1>"
            f"{_FILLER}<p>{paragraph}</p>{_FILLER.replace('Tuesday', 'Friday')}"
            f"</article></body></html>")


def test_links_and_emphasis_come_back_around_trafilatura_text():
    # Asked for links and formatting, trafilatura drops the link and the space after it.
    paragraph = ('The film is <em>currently</em> <a href="/watch"><em>streaming on Netflix</em>'
                 '</a> <em>and available to rent</em> on <a href="https://shop.example/">the '
                 'shop</a>, the studio said.')
    article = extract(_story(paragraph), URL)
    block = next(b for b in article.blocks if "Netflix" in b.html)
    assert block.html == (
        'The film is <em>currently</em> <a href="https://news.example.org/watch"><em>'
        'streaming on Netflix</em></a> <em>and available to rent</em> on '
        '<a href="https://shop.example/">the shop</a>, the studio said.')


def test_a_srcset_url_with_commas_is_one_url():
    page = _story("A paragraph long enough to be the body of the story, with a picture after "
                  "it that the page loads lazily from its srcset only.") .replace(
        "</article>", '<figure><img src="data:image/gif;base64,R0lGOD" srcset="'
        'https://img.example/c_fill,w_80/a.jpg 80w, https://img.example/c_fit,w_800/a.jpg '
        '800w"><figcaption>The quay.</figcaption></figure>' + _FILLER + "</article>")
    article = extract(page, URL)
    assert [b.src for b in article.blocks if b.kind == "figure"] == [
        "https://img.example/c_fit,w_800/a.jpg"]


def test_markup_comes_back_around_a_stretch_trafilatura_left_out():
    from lxml import html as lxml_html

    from pipeline.extract.locate import TextIndex
    from pipeline.extract.markup import PageMarkup

    root = lxml_html.document_fromstring(
        '<html><body><td><a href="https://a.example/">A trademark battle in the Arduino '
        'community</a> <span>By Nathan Willis, March 25</span> The Arduino has been one of '
        'the <em>biggest success stories</em> of open hardware.</td></body></html>')
    text = ("A trademark battle in the Arduino community The Arduino has been one of the "
            "biggest success stories of open hardware.")
    markup, end = PageMarkup(TextIndex(root), "https://lwn.example/").restore(text, 0)
    assert end > 0 and plain_text(markup) == text
    assert markup == ('<a href="https://a.example/">A trademark battle in the Arduino '
                      'community</a> The Arduino has been one of the <em>biggest success '
                      'stories</em> of open hardware.')
