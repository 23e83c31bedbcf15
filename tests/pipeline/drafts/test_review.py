"""Review services on SQLite and PostgreSQL: edits as revisions, decisions, diffs, audit."""

from __future__ import annotations

import pytest

from pipeline.db.models import Draft, Segment, TranslationMemory
from pipeline.db.session import session_scope, upgrade
from pipeline.drafts import review
from tests.web.factories import make_draft, templates


@pytest.fixture
def draft_id(db_url):
    upgrade(db_url)
    with session_scope(db_url) as session:
        return make_draft(session).id


def test_edit_keeps_revisions_segments_and_feeds_memory(db_url, draft_id):
    with session_scope(db_url) as session:
        draft = session.get(Draft, draft_id)
        review.edit_block(session, draft, 2, {"html": "Nieuwe <em>tekst</em> <script>x()</script>"},
                          "rita", templates(), base_revision=1)
    with session_scope(db_url) as session:
        human = session.query(TranslationMemory).filter_by(origin="human").all()
        assert [(entry.author, "Nieuwe" in entry.translation) for entry in human] == [("rita", True)]
    with session_scope(db_url) as session:
        draft = session.get(Draft, draft_id)
        assert draft.blocks[2]["html"] == "Nieuwe <em>tekst</em>"
        segment = session.query(Segment).filter_by(draft_id=draft_id, block_index=2,
                                                   key="html").one()
        assert (segment.translation, segment.origin) == ("Nieuwe <em>tekst</em>", "human")
        diff = review.diff(session, draft, 2)
        assert diff.old == 1 and diff.new == 2
        assert any(line == "+[3] paragraph html: Nieuwe <em>tekst</em>" for line in diff.lines)
        assert any(line.startswith("-[3] paragraph html: Ingenieurs") for line in diff.lines)
        with pytest.raises(review.ReviewError):
            review.diff(session, draft, 7)
        # Revision 2 changed block 2 only: a title edit based on revision 1 applies on top.
        review.edit_title(session, draft, "x", "rita", templates(), base_revision=1)
        with pytest.raises(review.EditConflict) as conflict:
            review.edit_title(session, draft, "y", "otto", templates(), base_revision=2)
        assert conflict.value.to_dict()["theirs"] == {"title": "x"}
        review.approve(session, draft, "rita", "good")
        with pytest.raises(review.ReviewConflict):
            review.approve(session, draft, "rita")
        with pytest.raises(review.ReviewError, match="comment"):
            review.reject(session, draft, "rita", "  ")
        actions = [event.action for event in review.audit_log(session, draft)]
    assert actions == ["approved", "edited", "edited", "created"]


def test_plain_fields_stay_plain(db_url, draft_id):
    with session_scope(db_url) as session:
        draft = session.get(Draft, draft_id)
        review.edit_block(session, draft, 5, {"cite": "De <b>burgemeester</b> &amp; co"},
                          "rita", templates())
        assert draft.blocks[5]["cite"] == "De burgemeester & co"
        assert "<cite>De burgemeester &amp; co</cite>" in draft.html
