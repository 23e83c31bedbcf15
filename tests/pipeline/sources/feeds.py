"""Feed and sitemap documents for the source tests, built from lists of articles."""

from __future__ import annotations

from xml.sax.saxutils import escape


def rss(items: list[dict], title: str = "Example News") -> str:
    """RSS 2.0; an item is {"link", "title", "summary"?, "pubDate"?, "guid"?}."""
    parts = []
    for item in items:
        fields = [f"<title>{escape(item.get('title', ''))}</title>"]
        if "link" in item:
            fields.append(f"<link>{escape(item['link'])}</link>")
        if "guid" in item:
            fields.append(f"<guid>{escape(item['guid'])}</guid>")
        if "summary" in item:
            fields.append(f"<description>{escape(item['summary'])}</description>")
        fields.append(f"<pubDate>{item.get('pubDate', 'Sat, 28 Nov 2026 08:00:00 GMT')}</pubDate>")
        parts.append("<item>" + "".join(fields) + "</item>")
    return ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
            f"<title>{escape(title)}</title><link>https://news.example/</link>"
            "<description>news</description>" + "".join(parts) + "</channel></rss>")


def atom(items: list[dict], base: str = "") -> str:
    """Atom 1.0; an item is {"link", "title", "updated"}."""
    entries = "".join(
        f'<entry><title>{escape(i["title"])}</title><link rel="alternate" href="{escape(i["link"])}"/>'
        f'<id>urn:uuid:{n}</id><updated>{i.get("updated", "2026-11-28T08:00:00Z")}</updated></entry>'
        for n, i in enumerate(items))
    xml_base = f' xml:base="{escape(base)}"' if base else ""
    return ('<?xml version="1.0" encoding="utf-8"?>'
            f'<feed xmlns="http://www.w3.org/2005/Atom"{xml_base}><title>Atom news</title>'
            '<id>urn:uuid:feed</id><updated>2026-11-28T08:00:00Z</updated>'
            + entries + "</feed>")


def sitemap(urls: list[tuple[str, str | None]]) -> str:
    """A url set; each url is (loc, lastmod or None)."""
    body = "".join(
        f"<url><loc>{escape(loc)}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "")
        + "</url>" for loc, lastmod in urls)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + body + "</urlset>")


def sitemap_index(children: list[tuple[str, str | None]]) -> str:
    body = "".join(
        f"<sitemap><loc>{escape(loc)}</loc>" + (f"<lastmod>{m}</lastmod>" if m else "")
        + "</sitemap>" for loc, m in children)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">' + body
            + "</sitemapindex>")


def news_sitemap(items: list[tuple[str, str, str]]) -> str:
    """A Google News sitemap; each item is (loc, publication date, title)."""
    body = "".join(
        f"<url><loc>{escape(loc)}</loc><news:news><news:publication>"
        "<news:name>Example</news:name><news:language>en</news:language></news:publication>"
        f"<news:publication_date>{date}</news:publication_date>"
        f"<news:title>{escape(title)}</news:title></news:news></url>"
        for loc, date, title in items)
    return ('<?xml version="1.0" encoding="UTF-8"?>'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">' + body + "</urlset>")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
{root}"""
