"""A block's editor in Debian's chromium: its form is fetched when it is opened, edits and
saves like the form the page used to carry, and without JavaScript a link leads to a page
with the form."""

from __future__ import annotations

from pipeline.db.models import Draft
from pipeline.db.session import session_scope
from tests.web.conftest import sign_in


def test_an_editor_opened_is_fetched_edits_and_saves(server, browser):  # noqa: F811
    base, url, draft_id = server
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url)
            if "/editor" in request.url else None)
    sign_in(page, base, "reviewer1")
    page.wait_for_url(f"{base}/drafts")
    page.goto(f"{base}/drafts/{draft_id}")
    page.wait_for_selector("body[data-review-ready]")
    assert page.locator(".side-by-side form.editor-form").count() == 0  # none until opened

    row = page.locator("#block-2")
    row.locator("summary:has-text('Edit block 3')").click()
    editor = row.locator(".rich")
    page.wait_for_function("() => document.activeElement.classList.contains('rich')")
    assert fetched == [f"{base}/drafts/{draft_id}/blocks/2/editor?revision=1&fragment=1"]
    assert "stijgend water" in editor.inner_text()
    assert editor.locator("em").inner_text() == "stijgend water"  # formatted, not HTML
    page.keyboard.press("End")
    page.keyboard.type(" Of eerder.")
    row.locator("button:has-text('Save block')").click()
    page.wait_for_url(f"**/drafts/{draft_id}?saved=2*")
    page.wait_for_selector("body[data-review-ready]")
    assert "saved as revision 2" in page.inner_text("#block-2 .notice.ok")
    assert page.locator("#block-2 .cell.translation").inner_text().endswith(
        "tegen 2060. Of eerder.")
    assert page.evaluate("() => document.activeElement.id") == "block-2"
    with session_scope(url) as session:
        assert session.get(Draft, draft_id).blocks[2]["html"] == \
            "Ingenieurs verwachten <em>stijgend water</em> tegen 2060. Of eerder."

    # Cancelled and opened again: the same form, not fetched twice, with the saved text.
    page.locator("#block-2 summary:has-text('Edit block 3')").click()
    page.wait_for_function("() => document.activeElement.classList.contains('rich')")
    page.keyboard.type("weg ")
    page.keyboard.press("Escape")
    assert page.evaluate("() => document.activeElement.id") == "block-2"
    page.keyboard.press("e")
    page.wait_for_function("() => document.activeElement.classList.contains('rich')")
    assert "weg" not in page.locator("#block-2 .rich").inner_text()
    assert len([u for u in fetched if "/blocks/2/editor" in u]) == 2  # one per page load
    assert page.locator("#block-2 form.editor-form").count() == 1
    context.close()


def test_without_javascript_the_edit_link_leads_to_a_page_with_the_form(server, browser):  # noqa: F811
    base, url, draft_id = server
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    sign_in(page, base, "reviewer1")
    page.wait_for_url(f"{base}/drafts")
    page.goto(f"{base}/drafts/{draft_id}")
    row = page.locator("#block-0")
    row.locator("summary:has-text('Edit block 1')").click()
    row.locator("a:has-text('Edit block 1 on a page of its own')").click()
    page.wait_for_url(f"{base}/drafts/{draft_id}/blocks/0/editor?revision=1")
    assert "The harbour wall is" in page.inner_text(".original")
    field = page.locator("textarea[name='field:html']")
    assert field.input_value().startswith('De havenmuur is <a href="https://example.org/wall">')
    field.fill('De havenmuur is <a href="https://example.org/wall">18,7 kilometer</a> lang.')
    page.click("button:has-text('Save block')")
    page.wait_for_url(f"**/drafts/{draft_id}?saved=0*")
    assert "saved as revision 2" in page.inner_text("#block-0 .notice.ok")
    assert "18,7 kilometer" in page.inner_text("#block-0 .cell.translation")
    context.close()
