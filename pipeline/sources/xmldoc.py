"""Reading untrusted XML from feeds and sitemaps: no entity expansion, no DTD, no network.

lxml is told not to substitute entities, load DTDs or reach the network, and a document
that declares entities at all is refused: feeds and sitemaps have no use for them, and the
classic "billion laughs" bomb is nothing but entity declarations.
"""

from __future__ import annotations

import codecs

from lxml import etree

from pipeline.errors import SourceUnreadable

_CHUNK = 64 * 1024
_OPTIONS = dict(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                huge_tree=False, remove_pis=True)


def root_name(data: bytes) -> str:
    """The local name of the document's root element, read without parsing the rest.

    Lenient past the root (a feed with a stray ``&nbsp;`` is still a feed, an HTML page is
    still an ``html`` element); raises
    :class:`SourceUnreadable` when the document is not XML or declares entities.
    """
    parser = etree.XMLPullParser(events=("start",), **_OPTIONS)
    try:
        for start in range(0, len(data), _CHUNK):
            parser.feed(data[start:start + _CHUNK])
            for _event, element in parser.read_events():
                _refuse_entities(element)
                return etree.QName(element).localname
        parser.close()
    except etree.XMLSyntaxError as error:
        _refuse_if_entity_trouble(error)
        # The root may have been read before the error (an HTML page fails at its first <br>).
        for _event, element in parser.read_events():
            _refuse_entities(element)
            return etree.QName(element).localname
        raise SourceUnreadable(f"not a feed or sitemap: not XML ({_message(error)})") from None
    raise SourceUnreadable("not a feed or sitemap: no XML element found")


def parse(data: bytes, what: str) -> etree._Element:
    """The whole document's root element; :class:`SourceUnreadable` if it is not well-formed."""
    parser = etree.XMLParser(**_OPTIONS)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        _refuse_if_entity_trouble(error)
        raise SourceUnreadable(f"{what} is not well-formed XML: {_message(error)}") from None
    if root is None:
        raise SourceUnreadable(f"{what} is empty")
    _refuse_entities(root)
    return root


def looks_like_xml(data: bytes) -> bool:
    """Whether ``data`` starts, after a BOM and white space, with ``<``."""
    for bom in (codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        if data.startswith(bom):
            return True
    return data.lstrip()[:1] == b"<"


REFUSED = "refused: the document declares XML entities (a possible entity-expansion bomb)"


def _refuse_entities(element: etree._Element) -> None:
    dtd = element.getroottree().docinfo.internalDTD
    if dtd is not None and any(True for _ in dtd.iterentities()):
        raise SourceUnreadable(REFUSED)


def _refuse_if_entity_trouble(error: etree.XMLSyntaxError) -> None:
    # libxml2 stops a bomb itself while reading its declarations (amplification limit,
    # entity loops) before we see the DTD; say why in the same words.
    text = str(error.msg or error).lower()
    if "amplification" in text or "entity reference loop" in text:
        raise SourceUnreadable(REFUSED) from None


def _message(error: etree.XMLSyntaxError) -> str:
    text = str(error.msg or error).strip()
    return f"line {error.lineno}: {text}" if error.lineno else text
