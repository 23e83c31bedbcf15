"""The Jobs page in chromium: post/redirect/get enqueue, the kept language, a list that
refreshes itself while jobs run, and long failure reasons that do not widen the page."""

from __future__ import annotations

from sqlalchemy import update

from pipeline.db.models import Job
from pipeline.db.session import session_scope
from tests.web.conftest import sign_in

URL = "https://example.org/news/fresh-story"


def test_enqueue_redirects_keeps_language_and_list_follows_the_job(server, browser):
    base, url, _draft_id = server
    page = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
    sign_in(page, base, "operator1")
    page.wait_for_url(f"{base}/jobs")
    page.fill("input[name=target_lang]", "es")
    page.fill("textarea[name=urls]", f"{URL}\n{URL}?utm_source=x\nnot a url")
    page.click("button:has-text('Enqueue')")
    page.wait_for_selector("#report")
    assert page.url.startswith(f"{base}/jobs?")  # a GET after the POST
    report = page.inner_text("#report")
    assert "1 new, 1 duplicate, 1 invalid" in report
    assert "not a url" in page.inner_text(".notice")
    assert page.input_value("input[name=target_lang]") == "es"

    page.reload()  # the old form re-posted here; now it only shows the report again
    page.wait_for_selector("#report")
    with session_scope(url) as session:
        jobs = session.query(Job).all()
        assert [(j.url, j.target_lang) for j in jobs] == [(URL, "es")]
        job_id = jobs[0].id

    # Queued work: the list refreshes itself; when the job ends it shows so, unprompted.
    assert page.get_attribute("#jobs-list", "data-refresh") == "3"
    page.fill("textarea[name=urls]", "typed but not sent")
    with session_scope(url) as session:
        session.execute(update(Job).where(Job.id == job_id).values(
            state="failed", stage="fetch", last_error="x" * 299))
    page.wait_for_selector("#jobs-list .state.failed", timeout=15_000)
    assert page.get_attribute("#jobs-list", "data-refresh") is None
    assert page.input_value("textarea[name=urls]") == "typed but not sent"
    # A 299-character reason without spaces wraps instead of widening the page.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 1200, width


def test_no_refresh_when_nothing_is_queued_or_running(server, browser):
    base, _url, _draft_id = server
    page = browser.new_page()
    sign_in(page, base, "operator1")
    page.wait_for_url(f"{base}/jobs")
    assert page.get_attribute("#jobs-list", "data-refresh") is None
    assert page.locator(".live").count() == 0
