"""Checks follow every revision: edits, title changes, re-translations; dismissals stick to
the text they were judged on."""

from __future__ import annotations

import pytest

from pipeline.checks import revisions as review_checks
from pipeline.db.models import AuditEvent, CheckDismissal, Draft
from pipeline.db.session import session_scope, upgrade
from pipeline.document import Block
from pipeline.drafts import review
from tests.web.factories import make_draft, templates

SOURCE = [Block(kind="paragraph", html='It took <a href="https://example.org/p">21 months</a>.'),
          Block(kind="paragraph", html="Nothing to see here at all, friends.")]
TRANSLATED = [Block(kind="paragraph", html='Tardó <a href="https://example.org/p">21 meses</a>.'),
              Block(kind="paragraph", html="Nada que ver aquí, amigos.")]


@pytest.fixture
def draft_id(db_url):
    upgrade(db_url)
    with session_scope(db_url) as session:
        return make_draft(session, title="The project", translated_title="El proyecto",
                          source_blocks=SOURCE, translated_blocks=TRANSLATED,
                          target_lang="es", checks=[]).id


def test_an_edit_that_changes_a_number_or_drops_a_link_is_flagged(db_url, draft_id):
    with session_scope(db_url) as session:
        draft = session.get(Draft, draft_id)
        review.edit_block(session, draft, 0, {"html": "Tardó 12 meses."}, "rita", templates())
    with session_scope(db_url) as session:
        checks = session.get(Draft, draft_id).checks
    assert {(c["block"], c["kind"]) for c in checks} == {(0, "numbers"), (0, "links")}
    assert any("21" in c["message"] for c in checks)
    assert any("https://example.org/p" in c["message"] for c in checks)
    with session_scope(db_url) as session:
        draft = session.get(Draft, draft_id)
        review.edit_block(session, draft, 0, {"html": 'Tardó <a href="https://example.org/p">'
                                                      '21 meses</a>.'}, "rita", templates())
        assert draft.checks == []


def test_a_title_change_is_checked(db_url, draft_id):
    with session_scope(db_url) as session:
        draft = session.get(Draft, draft_id)
        review.edit_title(session, draft, "El proyecto *project 2", "rita", templates())
        assert {(c["block"], c["kind"]) for c in draft.checks} == \
            {(-1, "numbers"), (-1, "unknown_word")}


def test_a_dismissed_warning_stays_dismissed_for_the_same_text_only(db_url, draft_id):
    with session_scope(db_url) as session:
        draft = session.get(Draft, draft_id)
        review.edit_block(session, draft, 1, {"html": "Nada que ver aquí, *amigos."}, "rita",
                          templates())
        (check,) = draft.checks
        assert check["kind"] == "unknown_word"
        with pytest.raises(review_checks.DismissError, match="why"):
            review_checks.dismiss(session, draft, 1, check["kind"], check["message"], " ", "rita")
        review_checks.dismiss(session, draft, 1, check["kind"], check["message"],
                              "a brand name, written with a star", "rita")
        assert draft.checks == []
        with pytest.raises(review_checks.DismissError):
            review_checks.dismiss(session, draft, 1, check["kind"], check["message"], "x", "rita")
        # Another block's edit re-checks that block only; the dismissal holds.
        review.edit_block(session, draft, 0, {"html": 'Tardó <a href="https://example.org/p">'
                                                      '21 meses</a>!'}, "rita", templates())
        review_checks.refresh(session, draft, [0, 1])
        assert draft.checks == []
    with session_scope(db_url) as session:
        event = session.query(AuditEvent).filter_by(action="check_dismissed").one()
        assert (event.actor, event.detail["comment"], event.detail["block"]) == \
            ("rita", "a brand name, written with a star", 1)
        assert session.query(CheckDismissal).count() == 1
        draft = session.get(Draft, draft_id)
        # New text: the same kind of warning is raised again.
        review.edit_block(session, draft, 1, {"html": "Nada que ver, *amigos."}, "rita",
                          templates())
        assert [c["kind"] for c in draft.checks] == ["unknown_word"]


def test_retranslation_checks_respect_dismissals(db_url, draft_id):
    with session_scope(db_url) as session:
        draft = session.get(Draft, draft_id)
        review.edit_block(session, draft, 1, {"html": "Nada que ver aquí, *amigos."}, "rita",
                          templates())
        (check,) = draft.checks
        review_checks.dismiss(session, draft, 1, check["kind"], check["message"], "fine", "rita")
        translated = [Block.from_dict(b) for b in draft.blocks]
        same = review_checks.article_checks(session, draft, SOURCE, translated, "The project",
                                            "El proyecto", "en", "es")
        assert same == []
        changed = translated[:1] + [Block(kind="paragraph", html="Nada, *amigos.")]
        again = review_checks.article_checks(session, draft, SOURCE, changed, "The project",
                                             "El proyecto", "en", "es")
        assert [(c["block"], c["kind"]) for c in again] == [(1, "unknown_word")]
