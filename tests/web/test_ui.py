"""The reviewer UI through its forms, signed in with a session cookie like a browser."""

from __future__ import annotations

import re

from pipeline.db.models import Draft, Job, User
from pipeline.db.session import session_scope
from tests.web.conftest import HTML, login, make_client
from tests.web.factories import PASSWORD, make_draft


def test_anonymous_pages_show_the_sign_in_form_with_401(client):
    response = client.get("/drafts/1", headers=HTML)
    assert response.status_code == 401
    assert 'action="/login"' in response.text and 'value="/drafts/1"' in response.text


def test_sign_in_goes_to_the_page_asked_for_but_never_off_site(seeded):
    url, users, draft_id = seeded
    with make_client(url) as client:
        for target, expected in ((f"/drafts/{draft_id}", f"/drafts/{draft_id}"),
                                 ("//evil.example/x", "/drafts"),
                                 ("https://evil.example", "/drafts")):
            page = client.get("/login")
            nonce = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            response = client.post("/login", follow_redirects=False, data={
                "name": "reviewer1", "password": PASSWORD, "csrf_token": nonce,
                "next": target})
            assert response.headers["location"] == expected


def test_queue_filters_search_and_pages(reviewer):
    client, csrf, draft_id, url = reviewer
    with session_scope(url) as session:
        for i in range(30):
            make_draft(session, url=f"https://coast.example.net/{i}", title=f"Tide {i}",
                       translated_title=f"Getij {i}", site_name="Coast Weekly",
                       target_lang="es" if i < 3 else "nl")
    page = client.get("/drafts", headers=HTML)
    assert page.status_code == 200
    assert "page 1 of 2" in page.text and page.text.count('<a href="/drafts/') == 25
    assert '<option value="Coast Weekly"' in page.text  # the source filter offers sites
    older = client.get("/drafts?page=2", headers=HTML).text
    assert f'href="/drafts/{draft_id}"' in older
    spanish = client.get("/drafts?target_lang=es", headers=HTML).text
    assert spanish.count('<a href="/drafts/') == 3
    search = client.get("/drafts?q=getij+1", headers=HTML).text
    assert search.count('<a href="/drafts/') == 11  # 1, 10-19
    by_site = client.get("/drafts?source=Harbour+Ledger&status=pending_review", headers=HTML)
    assert by_site.text.count('<a href="/drafts/') == 1
    assert client.get("/drafts?since=not-a-date", headers=HTML).status_code == 422
    assert client.get("/drafts?status=lost", headers=HTML).status_code == 422


def test_draft_page_edit_decide_and_download(reviewer):
    client, csrf, draft_id, url = reviewer
    page = client.get(f"/drafts/{draft_id}", headers=HTML).text
    assert 'id="block-5"' in page and "The mayor" in page and "De burgemeester" in page
    assert "18.7 in the source, 18,7 in the translation" in page
    assert 'src="https://img.example.org/wall.jpg"' in page
    assert "Dit is een vertaling" in page  # the preview has the header block

    saved = client.post(f"/drafts/{draft_id}/blocks/4", headers=HTML, follow_redirects=False,
                        data={"csrf_token": csrf, "base_revision": "1",
                              "field:items.0": "Punt een", "field:items.1": "Punt twee"})
    assert saved.status_code == 303 and saved.headers["location"].endswith("#block-4")
    page = client.get(saved.headers["location"], headers=HTML).text
    assert "Block 5 saved as revision 2" in page
    # History by default is per block, in words; the raw diff is one click away.
    assert "<ins>Punt een</ins>" in page and "+[5] list items.0" not in page
    assert f'href="/drafts/{draft_id}?diff=2#history"' in page
    raw = client.get(f"/drafts/{draft_id}?diff=2", headers=HTML).text
    assert "+[5] list items.0: Punt een" in raw
    # Based on revision 1, block 5 again: revision 2 changed it, so a conflict; the page keeps
    # the typed text in the form and shows the other version beside it.
    stale = client.post(f"/drafts/{draft_id}/blocks/4", headers=HTML,
                        data={"csrf_token": csrf, "revision": "1", "field:items.0": "Mijn punt",
                              "field:items.1": "Punt twee"})
    assert stale.status_code == 409 and "revision 2" in stale.text
    assert ">Mijn punt</textarea>" in stale.text
    assert '<span class="theirs-text">Punt een</span>' in stale.text
    assert 'src="/static/conflict.js"' in stale.text
    wrong = client.post(f"/drafts/{draft_id}/blocks/0", headers=HTML,
                        data={"csrf_token": csrf, "field:caption": "x",
                              "field:html": "Mijn eigen zin", "reason": "beter"})
    assert wrong.status_code == 422 and "has no field caption" in wrong.text
    # A save that failed opens the block's editor again, with what was typed in it.
    assert '<details class="edit" id="edit-0" open>' in wrong.text
    assert ">Mijn eigen zin</textarea>" in wrong.text and 'value="beter"' in wrong.text
    titled = client.post(f"/drafts/{draft_id}/title", headers=HTML,
                         data={"csrf_token": csrf, "title": "Een muur"})
    assert titled.status_code == 200 and "Title saved as revision 3" in titled.text

    assert client.get(f"/drafts/{draft_id}/export?format=md", headers=HTML).status_code == 409
    no_reason = client.post(f"/drafts/{draft_id}/reject", headers=HTML,
                            data={"csrf_token": csrf, "comment": ""})
    assert no_reason.status_code == 422 and "needs a comment" in no_reason.text
    page = client.get(f"/drafts/{draft_id}", headers=HTML).text
    # The title, approve and reject forms; each block's editor form is fetched when it is
    # opened (from its link), for the revision the page shows.
    assert page.count('<input type="hidden" name="revision" value="3">') == 3
    assert page.count('/editor?revision=3">') == 6
    stale = client.post(f"/drafts/{draft_id}/approve", headers=HTML,
                        data={"csrf_token": csrf, "comment": "fine", "revision": "2"})
    assert stale.status_code == 409 and "revision 3" in stale.text
    client.post(f"/drafts/{draft_id}/approve", headers=HTML,
                data={"csrf_token": csrf, "comment": "fine", "revision": "3"})
    with session_scope(url) as session:
        assert session.get(Draft, draft_id).status == "approved"
        assert session.get(Draft, draft_id).approved_revision == 3
    markdown = client.get(f"/drafts/{draft_id}/export?format=md", headers=HTML)
    assert markdown.status_code == 200 and "# Een muur" in markdown.text
    assert markdown.headers["content-disposition"] == \
        f'attachment; filename="draft-{draft_id}-nl.md"'
    assert client.get("/drafts/999/export", headers=HTML).status_code == 404


def test_operator_enqueues_and_retries(seeded):
    url, users, _ = seeded
    with make_client(url) as client:
        csrf = login(client, "operator1", PASSWORD)
        page = client.post("/jobs", headers=HTML, data={
            "csrf_token": csrf, "target_lang": "es",
            "urls": "https://example.org/a\n\n  https://example.org/a#x \nnope\n"})
        assert page.status_code == 200
        assert "1 new, 1 duplicate, 1 invalid" in page.text
        assert client.post("/jobs", headers=HTML, data={"csrf_token": csrf, "urls": " "}
                           ).status_code == 422
        assert client.post("/jobs", headers=HTML, data={
            "csrf_token": csrf, "urls": "https://example.org/b", "target_lang": "<b>"}
        ).status_code == 422
        with session_scope(url) as session:
            job = session.query(Job).one()
            assert job.target_lang == "es"
            job.state, job.last_error = "failed", "not an article: no main text found"
            job_id = job.id
        listing = client.get("/jobs?state=failed", headers=HTML).text
        assert "not an article: no main text found" in listing
        assert f'action="/jobs/{job_id}/retry"' in listing
        retried = client.post(f"/jobs/{job_id}/retry", data={"csrf_token": csrf},
                              headers=HTML)
        assert "queued again" in retried.text
        again = client.post(f"/jobs/{job_id}/retry", data={"csrf_token": csrf}, headers=HTML)
        assert "is queued, not failed" in again.text


def test_admin_manages_users_and_tokens(seeded):
    from fastapi.testclient import TestClient

    url, users, _ = seeded
    with make_client(url) as client:
        csrf = login(client, "admin1", PASSWORD)
        created = client.post("/admin/users", headers=HTML, data={
            "csrf_token": csrf, "name": "vera", "role": "reviewer", "password": "vera password"})
        assert created.status_code == 200 and "User vera created" in created.text
        assert 'id="new-token"' not in created.text  # no token minted for someone else
        taken = client.post("/admin/users", headers=HTML, data={
            "csrf_token": csrf, "name": "vera", "role": "admin"})
        assert taken.status_code == 422 and "already exists" in taken.text
        with session_scope(url) as session:
            vera_id = session.query(User).filter_by(name="vera").one().id
        for_vera = client.post(f"/admin/users/{vera_id}/tokens", headers=HTML,
                               data={"csrf_token": csrf, "label": "ci"})
        assert for_vera.status_code == 403
        with TestClient(client.app) as vera:
            vera_csrf = login(vera, "vera", "vera password")
            minted = vera.post("/api/tokens", json={"label": "laptop"},
                               headers={"X-CSRF-Token": vera_csrf})
            assert minted.status_code == 201 and minted.json()["user"] == "vera"
        secret, token_id = minted.json()["token"], minted.json()["id"]
        assert client.get("/api/drafts", headers={"Authorization": f"Bearer {secret}"}
                          ).status_code == 200
        revoked = client.post(f"/admin/tokens/{token_id}/revoke", headers=HTML,
                              data={"csrf_token": csrf})
        assert f"Token {token_id} revoked" in revoked.text
        assert client.get("/api/drafts", headers={"Authorization": f"Bearer {secret}"}
                          ).status_code == 401
        assert client.post("/admin/tokens/9999/revoke", headers=HTML,
                           data={"csrf_token": csrf}).status_code == 404
