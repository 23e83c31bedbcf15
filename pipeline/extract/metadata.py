"""Article metadata from the page head and trafilatura: URL, author, language, images.

Author: a byline names people, not their jobs. "By Jane Doe, Climate Correspondent" gives
``author = "Jane Doe"``: the leading "By" and a trailing role are always stripped, while a
second name after a comma ("Jane Doe, John Roe") is kept. Several authors are joined with
", ".
"""

from __future__ import annotations

import re

from lxml import etree

from pipeline import language_id
from pipeline.extract.inline import drop_fragment, normalize_space, resolve_url
from pipeline.validation import url_length_problem

_BY = re.compile(r"^\s*(?:written\s+)?(?:by|von|par|por|door|di|da|av|af|od|przez|от|автор:?)"
                 r"\s+", re.IGNORECASE)
_ROLE_WORDS = re.compile(
    r"\b(?:correspondent|reporter|editor|writer|journalist|columnist|contributor|staff|"
    r"analyst|producer|critic|chief|senior|associate|professor|director|fellow|author|"
    r"redakteur|korrespondent|journaliste|rédact|corresponsal|redactor|in\s|at\s|for\s)",
    re.IGNORECASE)
_SEPARATORS = re.compile(r"\s*(?:,|\||\s[-–—]\s|;)\s*")
_LANG = re.compile(r"^([a-zA-Z]{2,3})(?:[-_].*)?$")


def canonical_url(root: etree._Element, page_url: str) -> str:
    """The page's ``link rel=canonical`` when it is http(s), else ``page_url``; no fragment."""
    for link in root.iter("link"):
        rels = (link.get("rel") or "").lower().split()
        if "canonical" in rels:
            url = resolve_url(link.get("href"), page_url)
            if url and not url_length_problem(drop_fragment(url)):
                return drop_fragment(url)
            break  # none, or too long to store: the page's own URL
    return drop_fragment(page_url)


def base_url(root: etree._Element, page_url: str) -> str:
    """The URL relative links are resolved against: ``<base href>`` or the page URL."""
    for base in root.iter("base"):
        url = resolve_url(base.get("href"), page_url)
        if url:
            return url
    return page_url


def clean_author(raw: str) -> str:
    """People's names from a byline: no "By", no roles, duplicates removed."""
    names: list[str] = []
    for chunk in re.split(r"\s*;\s*|\s+(?:and|und|et|y|en|e|и)\s+", normalize_space(raw)):
        for i, part in enumerate(_SEPARATORS.split(_BY.sub("", chunk))):
            part = _BY.sub("", part).strip(" .,:")
            if not part or "@" in part or "http" in part.lower():
                continue
            if i > 0 and (_ROLE_WORDS.search(part) or part[:1].islower()):
                break  # the rest is a role or an affiliation, not another name
            if _ROLE_WORDS.fullmatch(part) or len(part.split()) > 6:
                continue
            if part not in names:
                names.append(part)
    return ", ".join(names)


def _meta(root: etree._Element, *names: str) -> str:
    wanted = {n.lower() for n in names}
    for meta in root.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("http-equiv") or "").lower()
        if key in wanted and (meta.get("content") or "").strip():
            return meta.get("content").strip()
    return ""


def byline_from_page(root: etree._Element) -> str:
    """A byline found in the page body when the metadata names no author."""
    xpaths = ('.//*[@rel="author"]', './/*[@itemprop="author"]',
              './/*[contains(concat(" ", normalize-space(@class), " "), " byline ")]',
              './/*[contains(@class, "author-name")]')
    for xpath in xpaths:
        for element in root.xpath(xpath):
            text = normalize_space(element.text_content())
            if text and len(text) < 120:
                return text
    return _meta(root, "author", "article:author", "dc.creator")


def declared_language(root: etree._Element) -> str:
    """Two-letter language code declared by the page, or ""."""
    candidates = [root.get("lang"), root.get("{http://www.w3.org/XML/1998/namespace}lang"),
                  _meta(root, "content-language", "language", "dc.language", "og:locale")]
    for value in candidates:
        match = _LANG.match((value or "").strip())
        if match and len(match.group(1)) == 2:
            return match.group(1).lower()
    return ""


def detected_language(text: str) -> str:
    """Two-letter language code guessed from the text itself (py3langid), or ""."""
    if len(text.strip()) < 20:
        return ""
    return language_id.most_likely(text[:5000]).lower()[:2]


def lead_image(image: str | None, page_url: str) -> str:
    """The lead image (og:image and the like) as an absolute URL, or ""."""
    return resolve_url(image, page_url) if image else ""


def meta_site_name(root: etree._Element) -> str:
    """og:site_name or a similar declaration."""
    return _meta(root, "og:site_name", "application-name", "twitter:site")


def meta_description(root: etree._Element) -> str:
    """The page's description meta."""
    return _meta(root, "description", "og:description", "twitter:description")


_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|»|/|\\)\s+|\s+_")


def choose_title(root: etree._Element, found: str, site_name: str,
                 leading_headings: list[str]) -> str:
    """The article title: trafilatura's when it is declared metadata, part of ``<title>`` or
    the heading that opens the extracted body.

    Otherwise trafilatura may have taken the first ``h1`` of a sidebar or a site header; the
    document ``<title>`` without a trailing site name is the safer choice then.
    """
    declared = {normalize_space(_meta(root, name)) for name in (
        "og:title", "twitter:title", "dc.title", "dcterms.title", "title", "headline")}
    declared |= {normalize_space(h) for h in re.findall(
        r'"headline"\s*:\s*"([^"]+)"', " ".join(s.text or "" for s in root.iter("script")))}
    page_title = normalize_space(root.findtext(".//title") or "")
    if not found or found in declared or not page_title or found in leading_headings:
        return found or page_title
    if re.sub(r"\W", "", found).lower() in re.sub(r"\W", "", page_title).lower():
        return found
    parts = _TITLE_SEPARATORS.split(page_title)
    if len(parts) > 1:
        site = site_name.lower()
        if parts[-1].lower() == site or len(parts[-1].split()) <= 3:
            parts = parts[:-1]
        elif parts[0].lower() == site or len(parts[0].split()) <= 2:
            parts = parts[1:]
    return normalize_space(" - ".join(parts)) or found


def stated_date(found: str | None, page_html: str) -> str | None:
    """``found`` (htmldate's ``YYYY-MM-DD``) when the page states that day, else None.

    htmldate fills what a page leaves out with 1: a bare year (``© 2026`` in a footer)
    becomes 1 January, a month 1 March. A first of the month is therefore kept only when the
    page writes that full date in figures (``2026-01-01``, ``2026/01/01``, ``1.1.2026``);
    a reader must never be told a day that the original does not give.
    """
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", (found or "").strip()[:10])
    if not match:
        return None
    year, month, day = match.groups()
    if day != "01":
        return match.group()
    m = month.lstrip("0")
    written = (rf"{year}[-/.]{month}[-/.]01(?!\d)|(?<!\d)0?1[./-]0?{m}[./-]{year}"
               rf"|(?<!\d)0?{m}/0?1/{year}")
    return match.group() if re.search(written, page_html) else None
