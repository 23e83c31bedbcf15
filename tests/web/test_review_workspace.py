"""The reviewer's workspace in Debian's chromium: warnings walked and fixed with the keyboard,
no HTML typed, approval from anywhere, aligned parts, readable history, accessibility.

Screenshots of the draft page at 1280 px and 390 px go to test-artifacts/.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.checks.revisions import article_checks
from pipeline.db.models import AuditEvent, Draft
from pipeline.db.session import session_scope
from pipeline.document import Block
from tests.web.conftest import ARTIFACTS, sign_in
from tests.web.factories import make_draft

AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"

LIST_SOURCE = tuple(f"Point {i}: " + "a long explanation of the measure " * (1 + i % 3)
                    for i in range(6))
LIST_TRANSLATED = tuple(f"Punto {i}" for i in range(6))


def _blocks() -> tuple[list[Block], list[Block]]:
    source = [
        Block(kind="paragraph", html="The wall is ready after 21 months."),
        Block(kind="paragraph", html='It took <a href="https://example.org/p">21 months</a> '
                                     "and cost 4 million."),
        Block(kind="paragraph", html="Set register 0x08 before the test."),
        Block(kind="list", items=LIST_SOURCE),
        Block(kind="figure", src="https://img.example.org/wall.jpg", alt="The wall at dusk",
              caption="The new wall.", credit="© Ann Lens"),
        Block(kind="table", rows=(("Year", "Cost"), ("2024", "4 million")), header_rows=1),
    ]
    translated = [
        Block(kind="paragraph", html="El #muro está listo después de 21 meses."),
        Block(kind="paragraph", html='Tardó <a href="https://example.org/p">21 meses</a> '
                                     "y costó 4 millones."),
        Block(kind="paragraph", html="Ponga el registro 0 x08 antes de la prueba."),
        Block(kind="list", items=LIST_TRANSLATED),
        Block(kind="figure", src="https://img.example.org/wall.jpg", alt="El muro al anochecer",
              caption="El nuevo muro.", credit="© Ann Lens"),
        Block(kind="table", rows=(("Año", "Coste"), ("2024", "4 millones")), header_rows=1),
    ]
    filler_source = [Block(kind="paragraph", html=f'Paragraph {n} with <a href="https://example.org/'
                                                  f'{n}">a source link</a> in it.')
                     for n in range(30)]
    filler_translated = [Block(kind="paragraph", html=f'Párrafo {n} con <a href="https://'
                                                      f'example.org/{n}">un enlace</a> dentro.')
                         for n in range(30)]
    # The risky blocks come after a screenful of quiet ones, as in a real article.
    return (filler_source[:8] + source + filler_source[8:],
            filler_translated[:8] + translated + filler_translated[8:])


FIRST = 8  # the index of "El #muro ..."


@pytest.fixture
def long_draft(server):
    base, url, _ = server
    source, translated = _blocks()
    with session_scope(url) as session:
        checks = article_checks(session, None, source, translated, "The wall", "El muro",
                                "en", "es")
        draft = make_draft(session, url="https://news.example.org/wall-long", title="The wall",
                           translated_title="El muro", source_blocks=source,
                           translated_blocks=translated, target_lang="es", checks=checks)
        draft_id = draft.id
    return base, url, draft_id


def _open(browser, base: str, draft_id: int, width: int = 1280, height: int = 900):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    sign_in(page, base, "reviewer1")
    page.wait_for_url(f"{base}/drafts")
    page.goto(f"{base}/drafts/{draft_id}")
    page.wait_for_selector("body[data-review-ready]")
    return context, page


def _active(page) -> str:
    return page.evaluate("() => { const a = document.activeElement;"
                         " const row = a.closest('.row'); return row ? row.id : a.id; }")


def _edit(page) -> None:
    """Press e and wait for the focus in the editor: its form is fetched when it opens."""
    page.keyboard.press("e")
    page.wait_for_function("() => document.activeElement.closest('form.editor-form')")


def _checks(url: str, draft_id: int, block: int) -> set[str]:
    with session_scope(url) as session:
        return {c["kind"] for c in session.get(Draft, draft_id).checks if c["block"] == block}


def test_warnings_walked_and_fixed_with_the_keyboard_without_html(long_draft, browser):  # noqa: F811
    base, url, draft_id = long_draft
    context, page = _open(browser, base, draft_id)
    count = int(page.inner_text("#warning-count b"))
    assert count == 3  # the #muro mark, the torn 0x08 and the short list
    page.keyboard.press("n")
    assert _active(page) == f"block-{FIRST}"
    page.keyboard.press("n")
    assert _active(page) == f"block-{FIRST + 2}"
    page.keyboard.press("p")
    assert _active(page) == f"block-{FIRST}"
    assert "Warning 1 of 3" in page.inner_text("#nav-status")

    # e opens the editor on formatted text; the reviewer retypes the sentence and saves.
    _edit(page)
    editor = page.locator(f"#block-{FIRST} .rich")
    assert page.evaluate("() => document.activeElement.classList.contains('rich')")
    assert editor.inner_text().startswith("El #muro")
    page.keyboard.press("Control+a")
    page.keyboard.type("El muro está listo después de 21 meses.")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**/drafts/{draft_id}?saved={FIRST}*")
    page.wait_for_selector("body[data-review-ready]")
    notice = page.locator(f"#block-{FIRST} .notice.ok")
    assert "saved as revision 2" in notice.inner_text()
    assert page.locator(".draft-head .notice").count() == 0  # not at the top, out of view
    assert _active(page) == f"block-{FIRST}"  # focus is back at the block
    assert int(page.inner_text("#warning-count b")) == 2
    assert _checks(url, draft_id, FIRST) == set()

    # j moves to the next block: "21 meses" with a link. Changing the number and dropping
    # the link (typing over it) is flagged as soon as it is saved.
    page.keyboard.press("j")
    assert _active(page) == f"block-{FIRST + 1}"
    _edit(page)
    page.keyboard.press("Control+a")
    page.keyboard.type("Tardó 12 meses y costó 4 millones.")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**saved={FIRST + 1}*")
    kinds = page.locator(f"#block-{FIRST + 1} .check b").all_inner_texts()
    assert sorted(set(kinds)) == ["links", "numbers"]
    assert _checks(url, draft_id, FIRST + 1) == {"links", "numbers"}
    assert int(page.inner_text("#warning-count b")) == 2 + len(kinds)
    context.close()


def test_emphasis_and_links_without_typing_html_and_esc_cancels(long_draft, browser):  # noqa: F811
    base, url, draft_id = long_draft
    context, page = _open(browser, base, draft_id)
    row = page.locator(f"#block-{FIRST + 1}")
    row.focus()
    _edit(page)
    editor = row.locator(".rich")
    # The link is shown with its target visible.
    after = page.evaluate("() => getComputedStyle(document.querySelector("
                          f"'#block-{FIRST + 1} .rich a'), '::after').content")
    assert "https://example.org/p" in after
    # Select the word "costó" and make it bold, then link "millones".
    page.evaluate("""([selector, word]) => {
        const el = document.querySelector(selector);
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        let node; while ((node = walker.nextNode())) {
          const at = node.nodeValue.indexOf(word);
          if (at >= 0) { const r = document.createRange(); r.setStart(node, at);
            r.setEnd(node, at + word.length); const s = getSelection();
            s.removeAllRanges(); s.addRange(r); return; } } }""",
                  [f"#block-{FIRST + 1} .rich", "costó"])
    page.keyboard.press("Control+b")
    page.evaluate("""([selector, word]) => {
        const el = document.querySelector(selector);
        const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
        let node; while ((node = walker.nextNode())) {
          const at = node.nodeValue.indexOf(word);
          if (at >= 0) { const r = document.createRange(); r.setStart(node, at);
            r.setEnd(node, at + word.length); const s = getSelection();
            s.removeAllRanges(); s.addRange(r); return; } } }""",
                  [f"#block-{FIRST + 1} .rich", "millones"])
    page.keyboard.press("Control+k")
    page.keyboard.type("https://example.org/cost")
    page.keyboard.press("Enter")
    assert editor.locator("a[href='https://example.org/cost']").inner_text() == "millones"
    ARTIFACTS.mkdir(exist_ok=True)
    row.screenshot(path=str(ARTIFACTS / "editor-1280.png"))
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**saved={FIRST + 1}*")
    with session_scope(url) as session:
        html = session.get(Draft, draft_id).blocks[FIRST + 1]["html"]
    rel = ' rel="noopener noreferrer nofollow"'  # the sanitizer's, as for every edit
    assert html == (f'Tardó <a href="https://example.org/p"{rel}>21 meses</a> y <strong>costó'
                    f'</strong> 4 <a href="https://example.org/cost"{rel}>millones</a>.')
    assert _checks(url, draft_id, FIRST + 1) == {"links"}  # a link the source does not have

    # Esc cancels: the text is as saved, the editor closed, focus back on the block.
    page.wait_for_selector("body[data-review-ready]")
    _edit(page)
    page.keyboard.type("garbage ")
    page.keyboard.press("Escape")
    assert not page.locator(f"#edit-{FIRST + 1}").evaluate("d => d.open")
    assert _active(page) == f"block-{FIRST + 1}"
    _edit(page)
    assert "garbage" not in page.locator(f"#block-{FIRST + 1} .rich").inner_text()
    page.keyboard.press("Escape")

    # Plain fields (alt text, credit) and list items are their own fields.
    for block, expected in ((FIRST + 4, ["Caption", "Alt text", "Credit"]),
                            (FIRST + 3, ["Item 1", "Item 2"])):
        page.locator(f"#block-{block}").focus()
        _edit(page)
        labels = page.locator(f"#block-{block} .field > label").all_text_contents()
        assert labels[:len(expected)] == expected
        page.keyboard.press("Escape")
        assert _active(page) == f"block-{block}"
    # ? shows the keys.
    page.keyboard.press("?")
    assert page.locator("#keys-help").evaluate("d => d.open")
    assert "next / previous warning" in page.inner_text("#keys-help")
    page.keyboard.press("Escape")
    context.close()


def test_approve_from_anywhere_with_the_revision_on_screen(long_draft, browser):  # noqa: F811
    base, url, draft_id = long_draft
    context, page = _open(browser, base, draft_id)
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.wait_for_timeout(100)
    bar = page.locator("#decision-bar").bounding_box()
    assert 0 <= bar["y"] and bar["y"] + bar["height"] <= 900  # in view at the bottom
    assert page.locator("#decision-bar .revision-shown").inner_text() == "revision 1"
    assert page.locator("form.approve-form input[name=revision]").input_value() == "1"
    page.click("#next-warning")  # at the end of the page: round to the first warning
    assert _active(page) == f"block-{FIRST}"
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    page.fill("form.approve-form input[name=comment]", "checked")
    page.click("form.approve-form button:has-text('Approve')")
    page.wait_for_selector(".notice.ok:has-text('Approved')")
    with session_scope(url) as session:
        assert session.get(Draft, draft_id).status == "approved"
        event = session.query(AuditEvent).filter_by(draft_id=draft_id, action="approved").one()
        assert event.detail["revision"] == 1
    context.close()


def test_source_links_are_out_of_the_tab_order(long_draft, browser):  # noqa: F811
    base, url, draft_id = long_draft
    context, page = _open(browser, base, draft_id)
    assert page.locator(".cell.source a").count() >= 30
    assert page.evaluate("() => [...document.querySelectorAll('.cell.source a')]"
                         ".filter(a => a.tabIndex !== -1).length") == 0
    page.focus("#decision-bar #show-keys")
    for _ in range(25):
        page.keyboard.press("Tab")
        assert page.evaluate("() => !document.activeElement.closest('.cell.source')")
    context.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_list_items_table_rows_and_figure_parts_line_up(long_draft, browser, width):  # noqa: F811
    base, url, draft_id = long_draft
    context, page = _open(browser, base, draft_id, width=width, height=900)
    listing = page.locator(f"#block-{FIRST + 3}")
    listing.scroll_into_view_if_needed()
    # Rows far off screen are laid out only when they come near it (content-visibility), so
    # the boxes are read together, in one frame, once two frames have passed. The text is
    # textContent: headless chromium may not have painted the row yet, and the innerText of
    # a row it still skips is empty.
    boxes = listing.evaluate(
        """row => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(() => {
            const box = c => { const r = c.getBoundingClientRect();
                               return {x: r.x, y: r.y, height: r.height, text: c.textContent}; };
            done({sources: [...row.querySelectorAll('.cell.source.part')].map(box),
                  translations: [...row.querySelectorAll('.cell.translation.part')].map(box)});
        })))""")
    sources, translations = boxes["sources"], boxes["translations"]
    assert len(sources) == len(translations) == 6
    for i, (s, t) in enumerate(zip(sources, translations)):
        assert f"Point {i}" in s["text"] and f"Punto {i}" in t["text"]
        if width >= 800:  # side by side: the pair starts on one line, whatever the lengths
            assert abs(s["y"] - t["y"]) < 1 and t["x"] > s["x"]
        else:  # stacked: each item's translation right under its source
            assert abs(s["y"] + s["height"] - t["y"]) < 1
            if i + 1 < len(sources):
                assert abs(t["y"] + t["height"] - sources[i + 1]["y"]) < 1
    figure = page.locator(f"#block-{FIRST + 4}")
    labels = figure.locator(".cell.translation.part").evaluate_all(
        "cells => cells.map(c => c.dataset.part)")
    assert labels == ["image", "caption", "alt text", "credit"]
    table = page.locator(f"#block-{FIRST + 5} .cell.translation.part")
    assert table.count() == 2
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"draft-{width}.png"))
    page.screenshot(path=str(ARTIFACTS / f"draft-{width}-full.png"), full_page=True)
    page.locator(f"#block-{FIRST}").scroll_into_view_if_needed()
    page.locator(f"#block-{FIRST + 3}").screenshot(path=str(ARTIFACTS / f"draft-{width}-list.png"))
    page.locator(f"#block-{FIRST + 4}").screenshot(path=str(ARTIFACTS / f"draft-{width}-figure.png"))
    context.close()


def test_team_blocks_in_place_history_in_words_and_dismissal(long_draft, browser):  # noqa: F811
    base, url, draft_id = long_draft
    context, page = _open(browser, base, draft_id)
    order = page.evaluate("() => [...document.querySelectorAll('.side-by-side > .row')]"
                          ".map(r => r.id).filter(Boolean)")
    assert order[0] == "team-header-0" and order[1] == "block-0"
    # The donation block renders nothing without a donation URL: one footer block.
    assert order[-2].startswith("block-") and order[-1] == "team-footer-0"
    header = page.inner_text("#team-header-0")
    assert "Team block" in header and "10-disclaimer.es.html.j2" in header
    assert "no es variant" not in header  # the shipped blocks have a Spanish file

    # An edit that drops a link, then the block's history in words.
    page.locator(f"#block-{FIRST + 1}").focus()
    _edit(page)
    page.keyboard.press("Control+a")
    page.keyboard.type("Tardó 21 meses y costó 4 millones.")
    page.fill(f"#why-{FIRST + 1}", "the link pointed nowhere")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"**saved={FIRST + 1}*")
    page.wait_for_selector("body[data-review-ready]")
    page.click(f"#block-{FIRST + 1} details.block-history summary")
    page.wait_for_selector(f"#block-{FIRST + 1} .history-entry")
    history = page.inner_text(f"#block-{FIRST + 1} .history-slot")
    assert "link removed: https://example.org/p" in history and "reviewer1" in history
    assert "edited block 10: the link pointed nowhere" in history  # who and why
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(f"#block-{FIRST + 1}").screenshot(path=str(ARTIFACTS / "history-1280.png"))
    page_history = page.inner_text("#history")
    assert "Revision 2" in page_history and "raw diff" in page_history

    # Dismiss the links warning with a reason: gone, and in the audit log.
    row = page.locator(f"#block-{FIRST + 1}")
    before = int(page.inner_text("#warning-count b"))
    row.locator("li.check.links details.dismiss summary").click()
    row.locator("li.check.links input[name=reason]").fill("the link moved to the caption")
    row.locator("li.check.links button:has-text('Dismiss warning')").click()
    page.wait_for_url(f"**saved={FIRST + 1}*")
    assert "Warning dismissed" in page.inner_text(f"#block-{FIRST + 1} .notice.ok")
    assert int(page.inner_text("#warning-count b")) == before - 1
    assert "the link moved to the caption" in page.inner_text("#audit")
    context.close()


def _axe(page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core" and result["passes"]  # it did run
    return [f"{v['id']} ({v['impact']}): {v['nodes'][0]['target']}"
            for v in result["violations"] if v["impact"] in impacts]


def test_no_serious_accessibility_violations(long_draft, browser):  # noqa: F811
    base, url, draft_id = long_draft
    # axe is injected by the test, which the page's CSP would refuse; the app is unchanged.
    context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page = context.new_page()
    sign_in(page, base, "admin1")
    page.wait_for_url(f"{base}/drafts")
    found = {"/drafts": _axe(page)}
    page.goto(f"{base}/drafts/{draft_id}")
    page.wait_for_selector("body[data-review-ready]")
    found["/drafts/ID"] = _axe(page)
    page.locator(f"#block-{FIRST + 4}").focus()  # the figure: rich and plain fields
    _edit(page)
    page.locator(f"#block-{FIRST} details.dismiss summary").click()
    found["/drafts/ID"] += _axe(page)
    page.goto(f"{base}/drafts/{draft_id}/blocks/{FIRST + 4}/editor")  # without JavaScript
    found["/drafts/ID/blocks/N/editor"] = _axe(page)
    page.goto(f"{base}/jobs")  # none at all here, minor ones included (empty-table-header)
    found["/jobs"] = _axe(page, ("minor", "moderate", "serious", "critical"))
    assert found == {"/drafts": [], "/drafts/ID": [], "/drafts/ID/blocks/N/editor": [],
                     "/jobs": []}
    context.close()
