"""An edit conflict in the browser: the reviewer's text survives the 409 page, the other
version is shown beside it, and conflict.js can copy it into the form."""

from __future__ import annotations

from pipeline.db.models import Draft
from pipeline.db.session import session_scope
from pipeline.drafts import review
from tests.web.conftest import sign_in
from tests.web.factories import templates


def test_a_conflicting_edit_keeps_the_typed_text_beside_the_other_version(server, browser):
    base, url, draft_id = server
    page = browser.new_page()
    sign_in(page, base, "reviewer1")
    page.wait_for_url(f"{base}/drafts")
    page.goto(f"{base}/drafts/{draft_id}")
    row = page.locator("#block-0")
    row.locator("summary:has-text('Edit block 1')").click()
    # The block's editor shows formatted text (review.js); its textarea is what is posted.
    editor = row.locator(".rich")
    editor.click()
    page.keyboard.press("Control+a")
    page.keyboard.type("Mijn versie van de eerste alinea.")
    # Someone else saves the same block while this page still shows revision 1.
    with session_scope(url) as session:
        review.edit_block(session, session.get(Draft, draft_id), 0,
                          {"html": "Andermans versie."}, "otto", templates(), base_revision=1)
    row.locator("button:has-text('Save block')").click()
    page.wait_for_selector(".notice.error")
    assert "block 1 was changed" in page.inner_text(".notice.error")
    row = page.locator("#block-0")
    field = row.locator("textarea[name='field:html']")
    assert field.input_value() == "Mijn versie van de eerste alinea."
    assert row.locator(".conflict-theirs .theirs-text").inner_text() == "Andermans versie."
    assert "Mijn versie van de eerste alinea." in row.locator(".rich").first.inner_text()
    row.locator("button:has-text('Use this version')").click()
    assert field.input_value() == "Andermans versie."
    assert row.locator(".rich").first.inner_text().strip() == "Andermans versie."
    with session_scope(url) as session:
        assert session.get(Draft, draft_id).blocks[0]["html"] == "Andermans versie."
