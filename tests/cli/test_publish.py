"""``transdraft sites`` and ``transdraft publish`` end to end: the seed-shaped article is
translated, approved and published to a real WordPress, then edited, approved and published
again; a wrong application password fails clearly; no secret is ever printed."""

from __future__ import annotations

import json

import lxml.html
import pytest

from tests.cli.test_translate import ARTICLE_PATH, SOURCE_HREFS
from tests.stubs.images import png
from tests.stubs.server import Response, StubServer
from tests.stubs.translators import libre_routes

pytestmark = pytest.mark.wordpress


@pytest.fixture
def site(seed_html):
    image = lambda request: Response(200, png(8, 6), content_type="image/png")  # noqa: E731
    routes = {ARTICLE_PATH: lambda request: Response(200, seed_html),
              "/img/marrow-bay-lead.jpg": image,
              "/climate/2025/03/images/fishponds-aerial.jpg": image}
    with StubServer(routes) as server:
        yield server


def _translated_and_approved(transdraft, env, site) -> str:
    run = transdraft("translate", site.url(ARTICLE_PATH), env=env)
    assert run.code == 0, run.stderr
    draft_id = run.stdout.strip()
    approved = transdraft("drafts", "approve", draft_id, "--by", "ann", env=env)
    assert approved.code == 0, approved.stderr
    return draft_id


def _show(transdraft, env, draft_id) -> dict:
    shown = transdraft("drafts", "show", draft_id, "--format", "json", env=env)
    assert shown.code == 0, shown.stderr
    return json.loads(shown.stdout)


def test_the_seed_article_is_published_once_and_updated_after_a_new_approval(
        transdraft, site, sqlite_url, wordpress):
    outputs = []
    with StubServer(libre_routes()) as libre:
        env = {"TRANSDRAFT_DATABASE_URL": sqlite_url, "TRANSDRAFT_PROVIDER": "libre",
               "TRANSDRAFT_LIBRE_URL": libre.base_url, "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1"}
        draft_id = _translated_and_approved(transdraft, env, site)
        added = transdraft("sites", "add", "ledger", "--wordpress", wordpress.url, "--user",
                           wordpress.user, "--app-password-stdin", "--status", "publish",
                           "--category", "Climate", env=env, stdin=wordpress.app_password + "\n")
        assert added.code == 0, added.stderr
        tested = transdraft("sites", "test", "ledger", env=env)
        assert tested.code == 0, tested.stderr
        assert "source URL meta: exposed" in tested.stdout
        published = transdraft("publish", draft_id, "--site", "ledger", env=env)
        outputs += [added, tested, published]
        assert published.code == 0, published.stderr
        link = published.stdout.strip().splitlines()[-1]

        posts = wordpress.posts()
        assert len(posts) == 1 and posts[0]["link"] == link
        post = posts[0]
        draft = _show(transdraft, env, draft_id)
        _check_post_holds_the_draft(post, draft, wordpress, site)
        assert draft["publications"] == [{
            "site": "ledger", "remote_id": str(post["id"]), "url": link, "status": "publish",
            "revision": draft["revision"], "published_at": draft["publications"][0]["published_at"],
            "job_id": draft["publications"][0]["job_id"], "job_state": "done", "error": None}]
        jobs = transdraft("jobs", "list", env=env)
        assert "publish" in jobs.stdout

        # A reviewer edit, a new approval, a new publish: the same post, updated.
        from config.settings import SHIPPED_BLOCKS_DIR
        from pipeline.db.models import Draft
        from pipeline.db.session import session_scope
        from pipeline.drafts import review
        from pipeline.drafts.compose import BlockTemplates

        with session_scope(sqlite_url) as session:
            review.edit_title(session, session.get(Draft, int(draft_id)), "EEN NIEUWE TITEL",
                              "bo", BlockTemplates(SHIPPED_BLOCKS_DIR))
        unapproved = transdraft("publish", draft_id, env=env)
        assert unapproved.code == 1
        assert unapproved.stderr == (f"error: draft {draft_id} is pending_review: only "
                                     "approved drafts are published\n")
        assert transdraft("drafts", "approve", draft_id, "--by", "bo", env=env).code == 0
        again = transdraft("publish", draft_id, env=env)
        assert again.code == 0, again.stderr
        posts = wordpress.posts()
        assert [p["id"] for p in posts] == [post["id"]]
        assert posts[0]["title"]["raw"] == "EEN NIEUWE TITEL"
        assert _show(transdraft, env, draft_id)["publications"][0]["revision"] == 2

        listed = transdraft("sites", "list", "--format", "json", env=env)
        outputs += [unapproved, again, listed]
        assert [s["name"] for s in json.loads(listed.stdout)] == ["ledger"]
    for run in outputs:
        assert wordpress.app_password not in run.stdout + run.stderr


def _check_post_holds_the_draft(post: dict, draft: dict, wordpress, site) -> None:
    """Header blocks, every heading, paragraph, quote, list item, figure with caption and
    credit, and link of the draft, the footer blocks; the lead image as featured media."""
    content = lxml.html.fromstring(post["content"]["raw"])
    composed = lxml.html.fromstring(draft["html"])
    assert post["title"]["raw"] == draft["title"]
    for part in ("header", "footer"):
        assert (content.xpath(f"//{part}")[0].text_content()
                == composed.xpath(f"//{part}")[0].text_content())
    for tag in ("h2", "h3", "p", "blockquote", "li", "figcaption"):
        expected = [e.text_content() for e in composed.iter(tag)]
        assert expected == [e.text_content() for e in content.iter(tag)], tag
    assert len(list(content.iter("figure"))) == 2
    assert {a.get("href") for a in composed.iter("a")} == {a.get("href") for a in content.iter("a")}
    for href in SOURCE_HREFS:
        assert (href if href.startswith("http") else site.url(href)) in \
            {a.get("href") for a in content.iter("a")}
    lead = next(b for b in draft["blocks"] if b["kind"] == "figure")
    media = wordpress.rest(f"/wp/v2/media/{post['featured_media']}", {"context": "edit"})
    assert media["alt_text"] == lead["alt"]
    assert lead["credit"] in media["caption"]["raw"]
    assert lxml.html.fromstring(lead["caption"]).text_content() in media["caption"]["raw"]
    assert post["meta"]["transdraft_source_url"] == draft["source_url"]


def test_a_wrong_application_password_is_a_clear_failure_without_the_secret(
        transdraft, site, sqlite_url, wordpress):
    secret = "abcd efgh ijkl mnop qrst uvwx"
    with StubServer(libre_routes()) as libre:
        env = {"TRANSDRAFT_DATABASE_URL": sqlite_url, "TRANSDRAFT_PROVIDER": "libre",
               "TRANSDRAFT_LIBRE_URL": libre.base_url, "TRANSDRAFT_FETCH_ALLOW_HOSTS": "127.0.0.1"}
        draft_id = _translated_and_approved(transdraft, env, site)
        runs = [transdraft("sites", "add", "ledger", "--wordpress", wordpress.url, "--user",
                           wordpress.user, "--app-password-stdin", env=env, stdin=secret + "\n")]
        runs.append(transdraft("sites", "test", "ledger", env=env))
        runs.append(transdraft("-v", "publish", draft_id, env=env))
        runs.append(transdraft("drafts", "show", draft_id, "--format", "json", env=env))
        runs.append(transdraft("sites", "list", env=env))
        runs.append(transdraft("jobs", "list", env=env))
    assert runs[1].code == 1
    assert runs[1].stderr == (f"error: wordpress refused the application password for "
                              f"{wordpress.user}\n")
    assert runs[2].code == 1
    assert runs[2].stderr.splitlines()[-1] == (
        f"error: wordpress refused the application password for {wordpress.user}")
    assert wordpress.posts() == []
    publication, = json.loads(runs[3].stdout)["publications"]
    assert publication["job_state"] == "failed" and publication["remote_id"] is None
    for run in runs:
        for piece in (secret, secret.replace(" ", "")):
            assert piece not in run.stdout + run.stderr
