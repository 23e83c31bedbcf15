"""Allow-list HTML sanitizing with nh3: what survives is the markup of an article, nothing else.

Every HTML string that is stored or shown passes through here: the composed article with
:func:`clean_html`, single inline fragments (a paragraph's text, a caption) with
:func:`clean_inline`.
"""

from __future__ import annotations

import re

import nh3

LINK_SCHEMES = frozenset({"http", "https", "mailto"})
IMAGE_SCHEMES = frozenset({"http", "https"})
LINK_REL = "noopener noreferrer nofollow"

INLINE_TAGS = frozenset({
    "a", "em", "strong", "i", "b", "code", "sub", "sup", "br", "span", "small", "cite",
})
ARTICLE_TAGS = INLINE_TAGS | frozenset({
    "article", "header", "footer", "section", "div",
    "h1", "h2", "h3", "h4", "h5", "h6", "p", "hr",
    "ul", "ol", "li", "blockquote",
    "figure", "figcaption", "img",
    "table", "thead", "tbody", "tr", "th", "td",
})

# Removed together with everything inside them; any other unknown tag is unwrapped (its text
# stays). svg and math are here because their content is parsed by foreign rules, the home of
# most mutation-XSS tricks, and an article loses nothing by dropping them.
DROPPED_WITH_CONTENT = frozenset({
    "script", "style", "template", "noscript", "iframe", "frame", "frameset", "object",
    "embed", "applet", "svg", "math", "textarea", "select", "title", "xmp", "noembed",
    "noframes", "plaintext",
})

ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt"},
    "article": {"lang"},
    "section": {"data-block"},
    "figure": {"data-block"},
}
INLINE_ATTRIBUTES: dict[str, set[str]] = {"a": {"href", "title"}}

# ``class`` is kept only with these values, so a page's own classes never reach a draft.
CLASSES: dict[str, set[str]] = {
    "span": {"credit"},
    "small": {"credit"},
    "header": {"transdraft-header"},
    "footer": {"transdraft-footer"},
    "section": {"transdraft-block"},
    "div": {"transdraft-block"},
}
INLINE_CLASSES: dict[str, set[str]] = {"span": {"credit"}, "small": {"credit"}}


# What browsers skip when they read a URL's scheme: ASCII controls, space and DEL.
_UNSEEN = dict.fromkeys([*range(0x21), 0x7F])


def _scheme(url: str) -> str:
    """The lower-cased scheme of ``url`` ignoring ASCII whitespace and controls, or ''."""
    squeezed = url.translate(_UNSEEN)
    head, sep, _ = squeezed.partition(":")
    return head.lower() if sep else ""


def _filter_attribute(tag: str, attribute: str, value: str) -> str | None:
    # nh3 has already dropped hrefs whose scheme is not in LINK_SCHEMES; images get the
    # narrower list here, since a mailto: "image" is nonsense.
    if attribute in ("href", "src"):
        value = value.strip()
        allowed = IMAGE_SCHEMES if tag == "img" else LINK_SCHEMES
        if _scheme(value) not in allowed:
            return None
    return value


def _cleaner(tags: frozenset[str], attributes: dict[str, set[str]],
             classes: dict[str, set[str]]) -> nh3.Cleaner:
    return nh3.Cleaner(
        tags=set(tags),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes=attributes,
        attribute_filter=_filter_attribute,
        strip_comments=True,
        link_rel=LINK_REL,
        url_schemes=set(LINK_SCHEMES),
        allowed_classes=classes,
        # Extraction makes URLs absolute; a relative one left over would resolve against
        # wherever the draft is shown, not the source site.
        url_relative="deny",
    )


_ARTICLE_CLEANER = _cleaner(ARTICLE_TAGS, ATTRIBUTES, CLASSES)
_INLINE_CLEANER = _cleaner(INLINE_TAGS, INLINE_ATTRIBUTES, INLINE_CLASSES)


# An <img> whose src was refused (or never there) shows nothing but a broken-image icon.
# nh3's serializer quotes every attribute and escapes ">" inside values, so on its output a
# tag ends at the first ">".
_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def clean_html(html: str) -> str:
    """Sanitize a whole article (or any part of one) down to the article allow-list."""
    return _IMG_WITHOUT_SRC.sub("", _ARTICLE_CLEANER.clean(html))


def clean_inline(html: str) -> str:
    """Sanitize the inline HTML of one segment: text, links and phrase markup only."""
    return _INLINE_CLEANER.clean(html)
