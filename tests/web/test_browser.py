"""The reviewer UI in Debian's chromium, driven by Playwright, against a real uvicorn server.

Never downloads a browser: it launches /usr/bin/chromium and fails loudly without it.
"""

from __future__ import annotations

from pipeline.db.models import Draft, Job
from pipeline.db.session import session_scope
from tests.web.conftest import ARTIFACTS, sign_in
from tests.web.factories import make_draft


def test_reviewer_edits_approves_and_operator_enqueues(server, browser):
    base, url, draft_id = server
    dialogs: list[str] = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))

    sign_in(page, base, "reviewer1")
    page.wait_for_url(f"{base}/drafts")
    page.click(f"a[href='/drafts/{draft_id}']")
    page.wait_for_url(f"{base}/drafts/{draft_id}")
    assert page.inner_text("#draft-status") == "pending review"
    # Side by side: the original and the translation of the first block in one row.
    row = page.locator("#block-0")
    assert "harbour wall" in row.locator(".source").inner_text()
    assert "havenmuur" in row.locator(".cell.translation").inner_text()
    assert "18.7" in row.locator(".check").inner_text()
    assert page.locator("#block-3 .translation img").get_attribute("src") == \
        "https://img.example.org/wall.jpg"

    row.locator("summary:has-text('Edit block 1')").click()
    row.locator("button.tool:has-text('HTML')").click()  # the raw HTML, for those who want it
    row.locator("textarea[name='field:html']").fill(
        'De havenmuur is <a href="https://example.org/wall">18,7 kilometer</a> lang.')
    row.locator("button:has-text('Save block')").click()
    page.wait_for_selector(".notice.ok")
    assert "revision 2" in page.inner_text(".notice.ok")
    assert "18,7 kilometer" in page.locator("#block-0 .cell.translation").inner_text()
    page.click("#preview summary")
    assert "18,7 kilometer" in page.inner_text("#preview")

    page.fill("form[action$='/approve'] input[name=comment]", "Reads well")
    page.click("button:has-text('Approve')")
    page.wait_for_selector(".notice.ok:has-text('Approved')")
    assert page.inner_text("#draft-status") == "approved"
    audit = page.inner_text("#audit")
    assert "approved" in audit and "Reads well" in audit and "edited" in audit
    assert audit.count("reviewer1") >= 2
    assert page.locator(".exports a:has-text('Markdown')").count() == 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "draft-page.png"), full_page=True)
    with session_scope(url) as session:
        draft = session.get(Draft, draft_id)
        assert (draft.status, draft.revision) == ("approved", 2)
    context.close()

    operator = browser.new_context().new_page()
    sign_in(operator, base, "operator1")
    operator.wait_for_url(f"{base}/jobs")
    operator.fill("textarea[name=urls]", "https://example.org/news/fresh-story\nnot a url")
    operator.click("button:has-text('Enqueue')")
    operator.wait_for_selector("#report")
    report = operator.inner_text("#report")
    assert "1 new" in report and "1 invalid" in report
    assert "https://example.org/news/fresh-story" in operator.inner_text("table.jobs")
    with session_scope(url) as session:
        assert [j.url for j in session.query(Job)] == ["https://example.org/news/fresh-story"]
    assert dialogs == []


def test_hostile_draft_runs_no_script_in_the_browser(server, browser):
    from pipeline.document import Block
    from tests.web.test_security import PAYLOADS

    base, url, _ = server
    blocks = [Block(kind="paragraph", html=payload) for payload in PAYLOADS]
    with session_scope(url) as session:
        draft = make_draft(session, url="https://evil.example/b", title=PAYLOADS[0],
                           translated_title=PAYLOADS[1], source_blocks=blocks,
                           translated_blocks=blocks)
        draft.html = "<article>" + " ".join(PAYLOADS) + "</article>"  # raw, as if old
        draft.blocks = [b.to_dict() for b in blocks]
        draft_id = draft.id
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, base, "reviewer1")
    page.goto(f"{base}/drafts/{draft_id}")
    page.wait_for_load_state("load")
    for details in page.locator("details").all():
        details.evaluate("element => element.open = true")
    page.mouse.move(300, 300)
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.locator("iframe, object, embed, svg, math").count() == 0


def test_the_top_bar_fits_a_narrow_screen_without_breaking_its_parts(server, browser):
    base, _url, _draft_id = server
    heights = {}
    for name in ("reviewer1", "admin1"):
        context = browser.new_context(viewport={"width": 390, "height": 800})
        page = context.new_page()
        sign_in(page, base, name)
        page.wait_for_url(f"{base}/drafts")
        # Every part of the bar (a link, the name, the button) stays on one line.
        broken = page.evaluate("""() => [...document.querySelectorAll(
            '.topbar .brand, .topbar nav a, .topbar .who, .topbar button')]
            .filter(el => el.getClientRects().length > 1 || el.offsetHeight > 30)
            .map(el => el.textContent.trim())""")
        assert broken == [], (name, broken)
        assert page.evaluate("""() => Math.max(...[...document.querySelectorAll('.topbar *')]
            .map(el => el.getBoundingClientRect().right))""") <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator(".topbar").screenshot(path=str(ARTIFACTS / f"topbar-390-{name}.png"))
        heights[name] = page.locator(".topbar").bounding_box()["height"]
        context.close()
    assert heights["reviewer1"] < 50  # one line for a reviewer's single link
