"""A reviewer's edit read back into segments, kept on the draft and offered to the memory."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from pipeline.db.models import Article, Draft, TranslationMemory
from pipeline.db.session import session_scope, upgrade
from pipeline.document import Block
from pipeline.drafts.edits import block_segments_from_html, map_placeholders, remember_human_edit
from pipeline.translate.markup import encode


def test_placeholders_of_an_edit_are_renumbered_to_the_source():
    source = encode('<em>Hot</em> news: <a href="https://e.org/a">the report</a>')
    edited = encode("<a href='https://e.org/a'>het rapport</a> is <em>heet</em> nieuws")
    assert map_placeholders(edited, source) == "<x2>het rapport</x2> is <x1>heet</x1> nieuws"
    changed_link = encode('<a href="https://e.org/b">het rapport</a> <em>heet</em>')
    assert map_placeholders(changed_link, source) is None
    assert map_placeholders(encode("zonder opmaak"), source) is None


@pytest.mark.parametrize("block, edited, expected", [
    (Block("paragraph", html="Hello <em>world</em>"), "<p>Hallo <em>wereld</em></p>",
     {"html": "Hallo <em>wereld</em>"}),
    (Block("paragraph", html="Hello"), "Hallo &amp; dag", {"html": "Hallo &amp; dag"}),
    (Block("heading", html="Title", level=2), "<h2>Titel</h2>", {"html": "Titel"}),
    (Block("quote", html="Go", cite="Ann"),
     "<blockquote><p>Ga</p><cite>Anna</cite></blockquote>", {"html": "Ga", "cite": "Anna"}),
    (Block("list", items=("One", "Two")), "<ul><li>Een</li><li><b>Twee</b></li></ul>",
     {"items.0": "Een", "items.1": "<b>Twee</b>"}),
    (Block("table", rows=(("Year", "Sum"),)), "<table><tr><th>Jaar</th><td>Som</td></tr></table>",
     {"rows.0.0": "Jaar", "rows.0.1": "Som"}),
    (Block("figure", src="https://e.org/a.jpg", alt="A dog", caption="A <em>dog</em>",
           credit="© Ann"),
     '<figure><img src="https://e.org/a.jpg" alt="Een hond"><figcaption>Een <em>hond</em> '
     '<small class="credit">© Ann</small></figcaption></figure>',
     {"caption": "Een <em>hond</em>", "alt": "Een hond"}),
])
def test_segments_of_an_edited_block(block, edited, expected):
    assert block_segments_from_html(block, edited) == expected


def test_human_edit_of_a_missing_block_is_an_error(sqlite_url):
    upgrade(sqlite_url)
    with session_scope(sqlite_url) as session:
        article = Article(canonical_url="https://e.org/a", content_hash="x", title="T",
                          structure={"blocks": [{"kind": "paragraph", "html": "Hi there"}]},
                          source_lang="en")
        draft = Draft(article=article, target_lang="nl")
        session.add(draft)
        session.flush()
        with pytest.raises(ValueError, match="no block 3"):
            remember_human_edit(session, draft, 3, "<p>x</p>", "rita")
        assert remember_human_edit(session, draft, -1, "Titel", "rita") == 1
        assert remember_human_edit(session, draft, 0, "<p>Hoi daar</p>", "rita") == 1
        assert remember_human_edit(session, draft, 0, "<p>Hallo daar</p>", "rob") == 1
        assert session.scalar(select(func.count()).select_from(TranslationMemory)) == 2
        entry = session.scalars(select(TranslationMemory).where(
            TranslationMemory.source_text == "Hi there")).one()
        assert (entry.translation, entry.author, entry.origin) == ("Hallo daar", "rob", "human")
        assert {(s.key, s.translation, s.origin) for s in draft.segments} >= {
            ("title", "Titel", "human"), ("html", "Hallo daar", "human")}
