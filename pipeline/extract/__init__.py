"""Extraction: the main content and metadata of an HTML page as an ExtractedArticle.

trafilatura finds the main content, called exactly as its plain ``extract()`` is: its text is
the body's text, word for word (asked for links, formatting or images as well, it loses and
adds text; see ``pipeline/extract/markup.py``). The original page is then consulted for what
that plain text leaves out: links and emphasis, figures with their captions and credits (the
lead image above the body too), the source of a quote, the canonical URL and the language.
"""

from __future__ import annotations

import copy
import re
from dataclasses import replace

import trafilatura
from lxml import etree
from lxml import html as lxml_html
from trafilatura.settings import set_date_params
from trafilatura.xml import xmltotxt

from pipeline.document import ExtractedArticle
from pipeline.errors import NotAnArticle
from pipeline.extract.body import Candidate, body_candidates
from pipeline.extract.figures import (
    cut_trailing_text,
    figure_block,
    figure_container,
    image_url,
    is_tiny,
)
from pipeline.extract.gallery import without_gallery_chrome
from pipeline.extract.inline import inline_fragment, normalize_space, plain_text
from pipeline.extract.locate import TextIndex, squeeze
from pipeline.extract.markup import PageMarkup, restore_markup
from pipeline.extract.metadata import (
    base_url,
    byline_from_page,
    canonical_url,
    choose_title,
    clean_author,
    declared_language,
    detected_language,
    lead_image,
    meta_description,
    meta_site_name,
    stated_date,
)
from pipeline.extract.script import word_count
from pipeline.validation import strip_controls

__all__ = ["extract"]

NO_MAIN_TEXT = "not an article: no main text found"
# Fewer words of running text than this is a login wall, an error page or a stub (words
# of scripts written without spaces are counted by characters: see extract/script.py).
MIN_WORDS = 25

_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.IGNORECASE)
_CHROME = re.compile(
    r"related|comment|share|sharing|social|newsletter|promo|advert|sidebar|"
    r"recommend|more-stories|teaser|widget|cookie|subscribe|signup|popular|trending|"
    r"outbrain|taboola|author-bio|avatar|logo|(?<![a-z])print(?![a-z])", re.IGNORECASE)
_CHROME_TAGS = frozenset({"nav", "aside", "footer", "form"})


def extract(html: str, url: str) -> ExtractedArticle:
    """The article in ``html`` (fetched from ``url``): metadata and ordered body blocks."""
    # NUL and other control characters cannot live in an XML tree (lxml raises ValueError
    # deep inside extraction); a page's text never needs them.
    html = strip_controls(html)
    if not html or not html.strip():
        raise NotAnArticle(NO_MAIN_TEXT)
    try:
        root = lxml_html.document_fromstring(_XML_DECLARATION.sub("", html))
    except (etree.ParserError, ValueError) as error:
        raise NotAnArticle(NO_MAIN_TEXT) from error
    # trafilatura parses pages without comments and processing instructions; handed a tree
    # that has them, it drops the text after them (their tail). Stripped, the tails stay.
    etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
    base = base_url(root, url)
    root.make_links_absolute(base, resolve_base_href=True, handle_failures="discard")
    document = trafilatura.bare_extraction(
        copy.deepcopy(root), url=None, include_comments=False, include_formatting=False,
        include_links=False, include_images=False, include_tables=True, with_metadata=True,
        deduplicate=False,
        # No extensive search: it reads bare years and loose numbers of the page as dates.
        date_extraction_params=set_date_params(extensive=False))
    if document is None or document.body is None:
        raise NotAnArticle(NO_MAIN_TEXT)
    reference = xmltotxt(document.body, include_formatting=False)

    site_name = normalize_space(document.sitename or meta_site_name(root))
    candidates = body_candidates(document.body, base)
    leading_headings = [d.text for d in candidates[:3] if d.block.kind == "heading"]
    title = choose_title(root, normalize_space(document.title or ""), site_name,
                         leading_headings)
    candidates = _without_title(candidates, title)
    if _running_words(candidates) < MIN_WORDS:
        raise NotAnArticle(NO_MAIN_TEXT)

    index = TextIndex(root)
    restore_markup(candidates, PageMarkup(index, base))
    _locate(candidates, index)
    _recover_figures(candidates, root, index, base, title)
    _attach_quote_sources(candidates)
    blocks = without_gallery_chrome([d.block for d in candidates])

    body_text = " ".join(plain_text(t) for b in blocks for _, t in b.segments())
    author = clean_author(document.author or "") or clean_author(byline_from_page(root))
    figure_srcs = [b.src for b in blocks if b.kind == "figure"]
    return ExtractedArticle(
        url=canonical_url(root, url),
        title=title,
        blocks=blocks,
        author=author,
        published=stated_date(document.date, html),
        site_name=site_name,
        source_lang=declared_language(root) or detected_language(body_text),
        lead_image=lead_image(document.image, base) or (figure_srcs[0] if figure_srcs else ""),
        description=normalize_space(document.description or meta_description(root)),
        reference_chars=len(squeeze(reference)) + len(squeeze(title)) * (
            squeeze(title) not in squeeze(reference)),
    )


def _without_title(candidates: list[Candidate], title: str) -> list[Candidate]:
    """The title is metadata: a heading repeating it at the top is not a body block."""
    key = squeeze(title).lower()
    for i, candidate in enumerate(candidates[:3]):
        if candidate.block.kind == "heading" and squeeze(candidate.text).lower() == key:
            return candidates[:i] + candidates[i + 1:]
    return candidates


def _running_words(candidates: list[Candidate]) -> int:
    return sum(word_count(plain_text(text)) for d in candidates if d.block.kind != "heading"
               for _, text in d.block.segments())


def _locate(candidates: list[Candidate], index: TextIndex) -> None:
    """Find each text block in the page; blocks not found take the previous position."""
    after = 0
    for candidate in candidates:
        if not candidate.text:
            continue
        found = index.find(candidate.text, after)
        if found >= 0:
            candidate.position = found
            candidate.element = index.owner(found)
            after = found + 1


def _is_chrome(element: etree._Element, stop: etree._Element | None) -> bool:
    for ancestor in [element, *element.iterancestors()]:
        if ancestor is stop:
            return False
        if ancestor.tag in _CHROME_TAGS:
            return True
        if ancestor.tag == "figure":
            continue  # a figure's classes describe it ("fig--has-shares"), not a widget
        marks = f"{ancestor.get('class') or ''} {ancestor.get('id') or ''}"
        if _CHROME.search(marks):
            return True
    return False


def _common_ancestor(elements: list[etree._Element]) -> etree._Element | None:
    if not elements:
        return None
    chain = [elements[0], *elements[0].iterancestors()]
    common = set(chain)
    for element in elements[1:]:
        common &= {element, *element.iterancestors()}
    return next((e for e in chain if e in common), None)


def _recover_figures(candidates: list[Candidate], root: etree._Element, index: TextIndex,
                     base: str, title: str) -> None:
    """Put back figures of the main content that trafilatura dropped, where they stood."""
    located = [d for d in candidates if d.element is not None and d.block.kind != "figure"]
    main = _common_ancestor([d.element for d in located])
    if main is None:
        return
    container = next((a for a in [main, *main.iterancestors()] if a.tag == "article"), None)
    if container is None:
        parent = main.getparent()
        container = parent if parent is not None and parent.tag not in ("html", "body") \
            else main
    first = min(d.position for d in located)
    last = max(d.position for d in located)
    lower = index.start.get(main, first)
    title_key = squeeze(title).lower()
    for h1 in container.iter("h1"):
        if title_key and squeeze(h1.text_content()).lower() == title_key:
            lower = min(lower, index.start[h1])
            break
    have = {d.block.src for d in candidates if d.block.kind == "figure"}
    for img in container.iter("img"):
        position = index.start.get(img, -1)
        if not lower <= position <= last or is_tiny(img) or _is_chrome(img, container):
            continue
        src = image_url(img, base)
        if not src or src in have:
            continue
        in_main = main in img.iterancestors()
        if not in_main and img.getparent() is not None and figure_container(img) is None:
            continue  # outside the body, only real figures (the lead image) are taken
        have.add(src)
        _insert(candidates, Candidate(figure_block(img, base, src=src), "", position, img))


def _insert(candidates: list[Candidate], candidate: Candidate) -> None:
    """Insert before the first block that stands after ``candidate`` in the page."""
    for i, other in enumerate(candidates):
        if other.position > candidate.position:
            candidates.insert(i, candidate)
            return
    candidates.append(candidate)


def _attach_quote_sources(candidates: list[Candidate]) -> None:
    """A quote's source (``<footer>``/``<cite>`` inside the blockquote) becomes its cite."""
    for i, candidate in enumerate(candidates):
        if candidate.block.kind != "quote" or candidate.element is None:
            continue
        quote = next((a for a in [candidate.element, *candidate.element.iterancestors()]
                      if a.tag in ("blockquote", "q", "figure")), None)
        if quote is None:
            continue
        source = next((e for e in quote.iter("footer", "cite", "figcaption")), None)
        if source is None:
            continue
        cite = normalize_space(source.text_content()).lstrip("—–-― ").strip()
        if not cite:
            continue
        html = candidate.block.html
        if plain_text(html).endswith(cite):
            html = inline_fragment(cut_trailing_text(html, source.text_content()), "")
        candidates[i].block = replace(candidate.block, html=html, cite=cite)
