"""Extraction of the main content and metadata from HTML pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline.errors import NotAnArticle
from pipeline.extract import extract

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
PAGE_URL = "https://news.example.org/climate/2025/03/marrow-bay-rebuild?utm_source=feed"


@pytest.fixture(scope="module")
def seed():
    return extract((FIXTURES / "seed_article.html").read_text(encoding="utf-8"), PAGE_URL)


def _text(markup: str) -> str:
    return re.sub(r"<[^>]+>", "", markup)


def _all_markup(article) -> str:
    parts = []
    for block in article.blocks:
        parts += [block.html, block.caption, block.credit, block.cite, block.alt, *block.items]
        parts += [cell for row in block.rows for cell in row]
    return "\n".join(parts)


def test_seed_blocks_come_out_in_reading_order(seed):
    summary = [(b.kind, _text(b.html)[:30] or _text(b.caption)[:30] or _text(b.items[0])[:30]
                if b.items else _text(b.html)[:30] or _text(b.caption)[:30])
               for b in seed.blocks]
    assert summary == [
        ("figure", "Volunteers plant reeds along t"),
        ("paragraph", "Two winters ago, Storm Ilse pu"),
        ("paragraph", "The answer Marrow Bay chose wa"),
        ("heading", "A wall is not enough"),
        ("paragraph", "Engineers had warned for years"),
        ("paragraph", "The marsh project cost 18.7 mi"),
        ("quote", "We used to fight the tide ever"),
        ("paragraph", "Not everyone is convinced. A g"),
        ("heading", "What the town changed"),
        ("paragraph", "The council's plan, adopted in"),
        ("list", "A floodwall raised by 2 metres"),
        ("figure", "The fishponds seen from the ai"),
        ("paragraph", "Residents who lived through th"),
        ("heading", "Lessons for other coasts"),
        ("paragraph", "Researchers at the University "),
        ("paragraph", "Other towns are watching. Dele"),
        ("paragraph", "The council will publish its n"),
    ]
    assert [b.level for b in seed.blocks if b.kind == "heading"] == [2, 2, 2]


def test_seed_inline_markup_and_numbers_are_kept(seed):
    paragraphs = [b.html for b in seed.blocks if b.kind == "paragraph"]
    assert "left <strong>1,450 households</strong> without heat" in paragraphs[0]
    assert "chose was <em>both</em>." in paragraphs[1]
    assert "about 3.2 percent of the regional" in paragraphs[3]
    assert "18.7 million euros" in paragraphs[3]
    assert "in <em>September 2025</em>," in paragraphs[-1]
    assert "until at least 2060." in paragraphs[-3]


def test_seed_links_are_absolute(seed):
    hrefs = re.findall(r'<a href="([^"]+)">', _all_markup(seed))
    assert hrefs == [
        "https://news.example.org/reports/marrow-bay-resilience-2025.pdf",
        "https://www.example.eu/funds/coastal-adaptation",
        "https://coast.example.ac.uk/studies/marrow-bay",
    ]


def test_seed_quote_and_list(seed):
    quote = next(b for b in seed.blocks if b.kind == "quote")
    assert quote.html == ("We used to fight the tide every spring. Now we farm it. "
                          "My grandfather would have laughed, but the numbers work.")
    assert quote.cite == "Thomas Okafor, fishpond manager"
    listing = next(b for b in seed.blocks if b.kind == "list")
    assert not listing.ordered
    assert listing.items == (
        "A floodwall raised by <strong>2 metres</strong> along the harbour front",
        "Forty-two hectares of farmland returned to salt marsh",
        "Flood sensors in every street below 4 metres above sea level",
        "A text-message warning system that reached 96 percent of residents in its first test",
    )


def test_seed_figures_have_absolute_src_caption_and_separate_credit(seed):
    lead, inline = [b for b in seed.blocks if b.kind == "figure"]
    assert lead.src == "https://news.example.org/img/marrow-bay-lead.jpg"
    assert lead.alt == "Volunteers planting reeds along a muddy shoreline at low tide"
    assert lead.caption == "Volunteers plant reeds along the restored salt marsh north of the harbour."
    assert lead.credit == "© Jane Doe / Example Agency"
    assert inline.src == "https://news.example.org/climate/2025/03/images/fishponds-aerial.jpg"
    assert inline.caption == "The fishponds seen from the air in January 2025."
    assert inline.credit == "Lars Berg"


def test_seed_has_no_page_chrome(seed):
    markup = _all_markup(seed) + seed.title
    for chrome in ("Politics", "cookie", "Accept all", "newsletter", "Tide Report",
                   "Related stories", "Eastholm's vanishing", "harbourwatcher",
                   "dredging costs", "All rights reserved", "Privacy policy", "Share on social",
                   "Print this article", "SCRIPT-SENTINEL", "STYLE-SENTINEL", "font-family",
                   "dataLayer", "Embedded video", "By Jane Doe", "javascript:"):
        assert chrome not in markup, chrome


def test_seed_metadata(seed):
    assert seed.url == "https://news.example.org/climate/2025/03/marrow-bay-rebuild"
    assert seed.title == "Floodwalls and Fishponds: How Marrow Bay Rebuilt After the Storm"
    assert seed.author == "Jane Doe"
    assert seed.published == "2025-03-14"
    assert seed.site_name == "The Harbour Ledger"
    assert seed.source_lang == "en"
    assert seed.lead_image == "https://cdn.example.org/img/marrow-bay-lead.jpg"
    assert seed.description.startswith("Two years after Storm Ilse")


@pytest.mark.parametrize("html", [
    (FIXTURES / "nav_only.html").read_text(encoding="utf-8"),
    "",
    "   \n\t ",
    "<html><body></body></html>",
    "<html><body><form><p>Please log in to continue reading.</p></form></body></html>",
])
def test_pages_without_main_text_are_not_articles(html):
    with pytest.raises(NotAnArticle) as error:
        extract(html, "https://news.example.org/")
    assert str(error.value) == "not an article: no main text found"
    assert error.value.reason == "not an article: no main text found"


_RUSSIAN = """<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1251">
<title>Новости города</title></head><body><div class="content"><article>
<h1>В городе открыли новый мост через реку</h1>
<p>Во вторник в центре города торжественно открыли новый пешеходный мост через реку.
Строительство продолжалось почти два года и обошлось городскому бюджету в 450 миллионов
рублей. По словам мэра, мост соединит два крупных района и сократит путь до работы для
тысяч жителей.</p>
<p>Жители, пришедшие на открытие, в целом одобрили проект, хотя некоторые жаловались на
шум во время строительства. Следующим этапом станет ремонт набережной, который должен
завершиться к осени следующего года.</p>
</article></div></body></html>"""


def test_language_is_detected_when_the_page_declares_none():
    # The fetcher has already decoded the windows-1251 bytes: extract receives a str.
    html = _RUSSIAN.encode("cp1251").decode("cp1251")
    article = extract(html, "https://gorod.example.ru/news/most")
    assert article.source_lang == "ru"
    assert "450 миллионов" in article.blocks[0].html


_RELATIVE = """<html lang="de-AT"><head><title>Testseite</title>
<link rel="canonical" href="javascript:alert(1)"></head><body><article>
<h1>Ein Artikel mit relativen Adressen</h1>
<p>Der erste Absatz verweist auf <a href="../archiv/2024.html">das Archiv</a> und auf
<a href="javascript:alert('x')">ein Skript</a>, das nicht übernommen werden darf. Dazu kommt
noch ein wenig Text, damit die Seite als Artikel erkannt wird, mit vielen weiteren Wörtern.</p>
<figure><img src="bilder/foto.jpg" alt="Ein Foto"><figcaption>Der Marktplatz am Morgen.
(Foto: Max Muster)</figcaption></figure>
<p>Der zweite Absatz enthält <a href="data:text/html,hi">einen Datenlink</a> und
<a href="//cdn.example.at/x.pdf">ein Dokument</a> sowie noch mehr Text für die Länge.</p>
</article></body></html>"""


def test_relative_urls_become_absolute_and_script_links_are_dropped():
    article = extract(_RELATIVE, "https://zeitung.example.at/lokal/artikel/seite.html#oben")
    markup = _all_markup(article)
    assert '<a href="https://zeitung.example.at/lokal/archiv/2024.html">das Archiv</a>' in markup
    assert '<a href="https://cdn.example.at/x.pdf">ein Dokument</a>' in markup
    assert "ein Skript" in markup and "einen Datenlink" in markup
    assert "javascript:" not in markup and "data:" not in markup
    figure = next(b for b in article.blocks if b.kind == "figure")
    assert figure.src == "https://zeitung.example.at/lokal/artikel/bilder/foto.jpg"
    assert figure.caption == "Der Marktplatz am Morgen."
    assert figure.credit == "Max Muster"
    # A canonical link that is not http(s) is ignored; the fragment is dropped.
    assert article.url == "https://zeitung.example.at/lokal/artikel/seite.html"
    assert article.source_lang == "de"
