"""The reviewer page's own routes without a browser: dismissing a warning, a block's history,
the decision bar's revision field."""

from __future__ import annotations

from pipeline.db.session import session_scope
from pipeline.db.models import AuditEvent, Draft
from tests.web.conftest import HTML, bearer, make_client

WARNING = "18.7 in the source, 18,7 in the translation"


def test_dismiss_needs_a_reason_and_is_audited(reviewer):
    client, csrf, draft_id, url = reviewer
    page = client.get(f"/drafts/{draft_id}", headers=HTML).text
    assert '<input type="hidden" name="revision" value="1">' in page
    form = {"csrf_token": csrf, "block": "0", "kind": "numbers", "message": WARNING}
    refused = client.post(f"/drafts/{draft_id}/checks/dismiss", headers=HTML,
                          data={**form, "reason": "  "}, follow_redirects=False)
    assert refused.status_code == 303 and refused.headers["location"].endswith("#block-0")
    shown = client.get(refused.headers["location"], headers=HTML).text
    assert "say why the warning is harmless" in shown
    done = client.post(f"/drafts/{draft_id}/checks/dismiss", headers=HTML,
                       data={**form, "reason": "a decimal comma is right in Dutch"})
    assert done.status_code == 200 and "Warning dismissed." in done.text
    assert WARNING not in done.text.split('id="audit"')[0]
    with session_scope(url) as session:
        assert session.get(Draft, draft_id).checks == []
        event = session.query(AuditEvent).filter_by(action="check_dismissed").one()
        assert event.detail["comment"] == "a decimal comma is right in Dutch"
    again = client.post(f"/drafts/{draft_id}/checks/dismiss", headers=HTML,
                        data={**form, "reason": "twice"}, follow_redirects=False)
    assert "error=" in again.headers["location"]


def test_block_history_page_and_fragment(reviewer):
    client, csrf, draft_id, url = reviewer
    client.post(f"/drafts/{draft_id}/blocks/2", headers=HTML, data={
        "csrf_token": csrf, "field:html": "Ingenieurs verwachten stijgend water tegen 2070.",
        "reason": "typo in the year"})
    fragment = client.get(f"/drafts/{draft_id}/blocks/2/history?fragment=1", headers=HTML)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "<del>2060.</del>" in fragment.text and "<ins>2070.</ins>" in fragment.text
    assert "emphasis removed: “stijgend water”" in fragment.text
    assert "edited block 3: typo in the year" in fragment.text
    page = client.get(f"/drafts/{draft_id}/blocks/2/history", headers=HTML).text
    assert "History of block 3" in page and "<ins>2070.</ins>" in page
    assert "No changes yet." in client.get(f"/drafts/{draft_id}/blocks/0/history?fragment=1",
                                           headers=HTML).text


def test_an_api_edit_is_checked_like_a_page_edit(seeded):
    url, users, draft_id = seeded
    with make_client(url) as client:
        answer = client.patch(f"/api/drafts/{draft_id}", headers=bearer(users["reviewer"].token),
                              json={"block": 0, "html": "De havenmuur is 17 km lang."})
        assert answer.status_code == 200
    with session_scope(url) as session:
        checks = [c for c in session.get(Draft, draft_id).checks if c["block"] == 0]
    assert {c["kind"] for c in checks} == {"numbers", "links"}
    assert any("18.7" in c["message"] for c in checks)
