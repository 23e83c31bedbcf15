"""Blocks to HTML (the body of a draft) and a composed article to Markdown (for export)."""

from __future__ import annotations

import re
from html import escape

from markdownify import MarkdownConverter

from pipeline.document import Block
from pipeline.drafts.sanitize import IMAGE_SCHEMES, clean_html, clean_inline


def _attr(value: str) -> str:
    return escape(value, quote=True)


def _heading(block: Block) -> str:
    level = min(max(block.level, 1), 6)
    return f"<h{level}>{block.html}</h{level}>"


def _list(block: Block) -> str:
    tag = "ol" if block.ordered else "ul"
    items = "".join(f"<li>{item}</li>" for item in block.items)
    return f"<{tag}>{items}</{tag}>"


def _quote(block: Block) -> str:
    cite = f"<cite>{escape(block.cite)}</cite>" if block.cite.strip() else ""
    return f"<blockquote><p>{block.html}</p>{cite}</blockquote>"


def _figure(block: Block) -> str:
    image = f'<img src="{_attr(block.src)}" alt="{_attr(block.alt)}">' if block.src else ""
    parts = []
    if block.caption.strip():
        parts.append(block.caption)
    if block.credit.strip():
        parts.append(f'<small class="credit">{escape(block.credit)}</small>')
    caption = f"<figcaption>{' '.join(parts)}</figcaption>" if parts else ""
    return f"<figure>{image}{caption}</figure>"


def _table(block: Block) -> str:
    head_rows = block.rows[: block.header_rows]
    body_rows = block.rows[block.header_rows:]

    def row(cells: tuple[str, ...], tag: str) -> str:
        return "<tr>" + "".join(f"<{tag}>{cell}</{tag}>" for cell in cells) + "</tr>"

    head = "".join(row(cells, "th") for cells in head_rows)
    body = "".join(row(cells, "td") for cells in body_rows)
    return (
        "<table>"
        + (f"<thead>{head}</thead>" if head else "")
        + (f"<tbody>{body}</tbody>" if body else "")
        + "</table>"
    )


_RENDERERS = {
    "heading": _heading,
    "paragraph": lambda block: f"<p>{block.html}</p>",
    "list": _list,
    "quote": _quote,
    "figure": _figure,
    "table": _table,
}


def render_blocks(blocks: list[Block]) -> str:
    """The body HTML of ``blocks``, one element per block, sanitized as a whole.

    Plain-text fields (alt, credit, cite) are escaped here; inline-HTML fields are inserted
    as they are, and the final clean_html pass removes anything unsafe in them.
    """
    return clean_html("\n".join(_RENDERERS[block.kind](block) for block in blocks))


def _no_raw_html(text: str) -> str:
    # Markdown renderers pass raw HTML through: text that reads "<script>" must stay text.
    return text.replace("<", "&lt;")


MARKDOWN_SCHEMES = ("http:", "https:", "mailto:")


def _no_link_syntax(text: str) -> str:
    # Text that reads "[x](javascript:...)" must not become a link once rendered.
    return text.replace("[", "\\[").replace("]", "\\]")


def _markdown_url(url: str | None, schemes: tuple[str, ...]) -> bool:
    squeezed = "".join(ch for ch in (url or "") if ord(ch) > 0x20).lower()
    return squeezed.startswith(schemes)


class _ArticleMarkdown(MarkdownConverter):
    """markdownify with a figure's caption on its own line and a quote's source marked;
    only http, https and mailto links and http(s) images survive, the rest is plain text."""

    def escape(self, text, parent_tags):  # noqa: ANN001 - markdownify's signature
        escaped = _no_raw_html(super().escape(text, parent_tags))
        return escaped if "_noformat" in parent_tags else _no_link_syntax(escaped)

    def convert_a(self, el, text, parent_tags):  # noqa: ANN001 - markdownify's signature
        if not _markdown_url(el.get("href"), MARKDOWN_SCHEMES):
            return text
        return super().convert_a(el, text, parent_tags)

    def convert_figure(self, el, text, parent_tags):  # noqa: ANN001 - markdownify's signature
        text = text.strip()
        return f"\n\n{text}\n\n" if text else ""

    def convert_img(self, el, text, parent_tags):  # noqa: ANN001
        if not _markdown_url(el.get("src"), MARKDOWN_SCHEMES[:2]):
            return _no_link_syntax(_no_raw_html(el.get("alt") or ""))
        # markdownify copies alt and title verbatim: a hostile alt must stay text too.
        for name in ("alt", "title"):
            if el.attrs.get(name):
                el.attrs[name] = _no_raw_html(el.attrs[name])
        return super().convert_img(el, text, parent_tags)

    def convert_cite(self, el, text, parent_tags):  # noqa: ANN001
        text = text.strip()
        if el.parent is not None and el.parent.name == "blockquote" and text:
            return f"\n\n— {text}\n\n"
        return f"*{text}*" if text else ""


_H1 = re.compile(r"<h1[\s>]", re.IGNORECASE)


def render_markdown(title: str, html: str) -> str:
    """Markdown of an article: ATX headings, links, images with their caption line after.

    ``html`` is either a body or a composed article; the title is added as ``# title``
    only when ``html`` has no ``<h1>`` of its own, so a composed article keeps its order.
    """
    html = clean_html(html)
    converter = _ArticleMarkdown(heading_style="ATX", bullets="-", escape_misc=False)
    body = converter.convert(html).strip()
    if _H1.search(html) or not title.strip():
        return body + "\n"
    return f"# {_no_link_syntax(_no_raw_html(title.strip()))}\n\n{body}\n"


def clean_block(data: dict) -> dict:
    """A stored block (``Block.to_dict`` form) with its inline HTML sanitized for output.

    Inline fields go through the inline sanitizer, an image keeps only an http(s) source;
    plain-text fields (alt, credit, cite) stay as they are: whoever shows them escapes them.
    """
    cleaned = dict(data)
    for key in ("html", "caption"):
        if isinstance(cleaned.get(key), str):
            cleaned[key] = clean_inline(cleaned[key])
    if isinstance(cleaned.get("items"), list):
        cleaned["items"] = [clean_inline(str(item)) for item in cleaned["items"]]
    if isinstance(cleaned.get("rows"), list):
        cleaned["rows"] = [[clean_inline(str(cell)) for cell in row] for row in cleaned["rows"]]
    if isinstance(cleaned.get("src"), str):
        scheme = cleaned["src"].strip().partition(":")[0].lower()
        if scheme not in IMAGE_SCHEMES or ":" not in cleaned["src"]:
            cleaned["src"] = ""
    return cleaned
