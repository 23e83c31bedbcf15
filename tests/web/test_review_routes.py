"""The reviewer page's own routes without a browser: a block's editor form, dismissing a
warning, a block's history, the decision bar's revision field."""

from __future__ import annotations

import re

from pipeline.db.models import AuditEvent, Draft
from pipeline.db.session import session_scope
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


def test_block_editor_fragment_is_the_form_of_the_revision_shown(reviewer):  # noqa: F811
    client, csrf, draft_id, url = reviewer
    fragment = client.get(f"/drafts/{draft_id}/blocks/3/editor?fragment=1&revision=1",
                          headers=HTML)
    assert fragment.status_code == 200 and "<html" not in fragment.text
    text = fragment.text
    assert f'action="/drafts/{draft_id}/blocks/3#block-3"' in text
    assert f'name="csrf_token" value="{csrf}"' in text
    assert '<input type="hidden" name="revision" value="1">' in text
    # The figure: the caption in the rich editor, alt text and credit as plain fields.
    assert re.search(r'name="field:caption" data-rich[^>]*>De nieuwe muur\.</textarea>', text)
    assert 'name="field:alt" value="De muur bij schemering"' in text
    assert 'name="field:credit" value="© Ann Lens / Agency"' in text
    assert re.findall(r"<label for=\"f-3-\w+\"[^>]*>([^<]+)</label>", text) == \
        ["Caption", "Alt text", "Credit"]

    # Pinned to the page's revision: after someone's edit, the editor of revision 1 still
    # shows (and posts) revision 1, so saving it is checked against that edit.
    client.post(f"/drafts/{draft_id}/blocks/0", headers=HTML,
                data={"csrf_token": csrf, "field:html": "Nieuwe eerste zin."})
    old = client.get(f"/drafts/{draft_id}/blocks/0/editor?fragment=1&revision=1",
                     headers=HTML).text
    assert 'name="revision" value="1"' in old and "18,7 km" in old
    current = client.get(f"/drafts/{draft_id}/blocks/0/editor?fragment=1", headers=HTML).text
    assert 'name="revision" value="2"' in current and ">Nieuwe eerste zin.</textarea>" in current


def test_block_editor_refuses_what_does_not_exist_and_who_may_not_edit(seeded):
    from tests.web.conftest import bearer, make_client

    url, users, draft_id = seeded
    with make_client(url) as client:
        reviewer = {**bearer(users["reviewer"].token), **HTML}
        path = f"/drafts/{draft_id}/blocks/0/editor?fragment=1"
        assert client.get(path, headers=reviewer).status_code == 200
        assert client.get(path, headers=HTML).status_code == 401
        assert client.get(path, headers={**bearer(users["operator"].token), **HTML}
                          ).status_code == 403
        for missing in (f"/drafts/{draft_id}/blocks/6/editor?fragment=1",
                        f"/drafts/{draft_id}/blocks/-1/editor?fragment=1",
                        f"/drafts/{draft_id}/blocks/0/editor?fragment=1&revision=9",
                        "/drafts/999/blocks/0/editor?fragment=1"):
            assert client.get(missing, headers=reviewer).status_code == 404, missing
        assert client.get(f"/drafts/{draft_id}/blocks/x/editor", headers=reviewer
                          ).status_code == 422


def test_block_editor_page_without_javascript_saves_like_the_draft_page(reviewer):  # noqa: F811
    client, csrf, draft_id, url = reviewer
    draft_page = client.get(f"/drafts/{draft_id}", headers=HTML).text
    link = f'href="/drafts/{draft_id}/blocks/2/editor?revision=1"'
    assert link in draft_page  # the way to the form when no script fetches it
    page = client.get(f"/drafts/{draft_id}/blocks/2/editor?revision=1", headers=HTML)
    assert page.status_code == 200 and "<html" in page.text and "Edit block 3" in page.text
    assert "Engineers expect <em>rising water</em> by 2060." in page.text  # the original
    assert f'<a class="button cancel" href="/drafts/{draft_id}#block-2">' in page.text
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.text))
    assert fields == {"csrf_token": csrf, "revision": "1"}
    saved = client.post(f"/drafts/{draft_id}/blocks/2", headers=HTML, follow_redirects=False,
                        data={**fields, "field:html": "Ingenieurs verwachten hoog water.",
                              "reason": "korter"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("#block-2")
    with session_scope(url) as session:
        assert session.get(Draft, draft_id).blocks[2]["html"] == \
            "Ingenieurs verwachten hoog water."
