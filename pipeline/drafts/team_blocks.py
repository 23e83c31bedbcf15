"""The team's header and footer blocks of a composed draft, with the template each came from.

The reviewer sees them in place above and below the body, marked as the team's words, with
the file used (``10-disclaimer.es.html.j2``) and a warning when the draft's language has no
variant and the default file stood in. The HTML shown is the one stored in the draft, so it
is exactly what is exported.
"""

from __future__ import annotations

from dataclasses import dataclass

import lxml.html
from lxml import etree

from pipeline.drafts.compose import POSITIONS, BlockTemplates, Position
from pipeline.languages import normalize_tag, primary_subtag


@dataclass(frozen=True)
class TeamBlock:
    """One header or footer block as composed into a draft."""

    position: Position
    name: str  # "10-disclaimer"
    template: str  # the file used, "10-disclaimer.nl.html.j2", or "" when unknown
    missing_variant: bool  # no file for the draft's language: the default was used
    html: str  # sanitized, from the draft


@dataclass(frozen=True)
class _Slot:
    name: str
    template: str
    missing_variant: bool


def _slots(templates: BlockTemplates, position: Position, lang: str) -> list[_Slot]:
    # compose's own lookup (_Block.for_lang) decides the file; only the "is there a variant"
    # question is asked here, so both always agree on which file was used.
    lang = normalize_tag(lang)
    slots = []
    for block in templates.blocks_at(position):
        template = block.for_lang(lang)
        if template is None:
            continue
        has_variant = lang in block.variants or primary_subtag(lang) in block.variants
        slots.append(_Slot(block.name, (template.name or "").split("/")[-1], not has_variant))
    return slots


def _region(html: str, position: str) -> str:
    # Only the team's part of the article is parsed, not the whole (long) body; nh3's
    # serializer writes the class attribute exactly like this.
    start = html.find(f'<{position} class="transdraft-{position}">')
    end = html.find(f"</{position}>", start)
    return html[start:end + len(position) + 3] if start >= 0 and end >= 0 else ""


def _composed(html: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {position: [] for position in POSITIONS}
    for position in POSITIONS:
        region = _region(html, position)
        if not region:
            continue
        try:
            root = lxml.html.fragment_fromstring(region, create_parent="div")
        except etree.ParserError:
            continue
        for section in root.iter(position):
            if f"transdraft-{position}" not in (section.get("class") or ""):
                continue
            for part in section:
                inner = (part.text or "") + "".join(
                    etree.tostring(child, encoding="unicode", method="html") for child in part)
                found[position].append(inner.strip())
    return found


def _recorded(block_uses: list[dict], position: str) -> list[_Slot]:
    # What compose recorded when it made the draft (``Draft.block_uses``): the files that
    # were used then, whatever the blocks folder holds now; blocks that rendered nothing
    # (a donation block without a donation URL) are not in the HTML and are skipped.
    return [_Slot(use.get("block", ""), str(use.get("template", "")).split("/")[-1],
                  bool(use.get("variant_missing")))
            for use in block_uses
            if use.get("position") == position and use.get("rendered", True)]


def team_blocks(templates: BlockTemplates, target_lang: str, draft_html: str,
                block_uses: list[dict] | None = None) -> dict[Position, list[TeamBlock]]:
    """The draft's header and footer blocks, each paired with its template when known.

    ``block_uses`` is what the draft recorded when it was composed; drafts made before that
    was recorded fall back to asking today's templates.
    """
    composed = _composed(draft_html)
    result: dict[Position, list[TeamBlock]] = {}
    for position in POSITIONS:
        slots = (_recorded(block_uses, position) if block_uses
                 else _slots(templates, position, target_lang))
        htmls = composed[position]
        # A template may render to nothing and be left out of the draft; pair by order only
        # when the counts agree, rather than guess.
        if len(slots) != len(htmls):
            slots = [_Slot("", "", False)] * len(htmls)
        result[position] = [TeamBlock(position, slot.name, slot.template, slot.missing_variant,
                                      html) for slot, html in zip(slots, htmls)]
    return result
