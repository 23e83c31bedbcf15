"""Publishing to a real WordPress (tests/wordpress.py): one post per draft and site, exactly
the approved revision, updated by later approvals, recreated when deleted, never doubled."""

from __future__ import annotations

import logging
from dataclasses import replace

import lxml.html
import pytest
from sqlalchemy import select

from config.settings import SHIPPED_BLOCKS_DIR, Settings
from pipeline.db.models import AuditEvent, Draft, Job, Publication
from pipeline.db.session import session_scope, upgrade
from pipeline.drafts import review
from pipeline.drafts.compose import BlockTemplates
from pipeline.errors import PipelineError
from pipeline.jobs.publish_now import publish_now
from pipeline.jobs.services import Services
from pipeline.publish.enqueue import request_publish
from pipeline.publish.errors import NotPublishable
from pipeline.publish.sites import add_site, get_site
from tests.stubs.images import png
from tests.stubs.server import Response, StubServer
from tests.web.factories import SOURCE_BLOCKS, TRANSLATED_BLOCKS, make_draft

pytestmark = pytest.mark.wordpress


@pytest.fixture(scope="module")
def images():
    routes = {"/wall.png": lambda r: Response(200, png(), content_type="image/png"),
              "/second.png": lambda r: Response(200, png(rgb=(0, 90, 200)),
                                                content_type="image/png")}
    with StubServer(routes) as server:
        yield server


@pytest.fixture
def world(wordpress, images, tmp_path):
    """A database with an approved-ready draft whose figures live on the image stub."""
    url = f"sqlite:///{tmp_path / 'publish.db'}"
    upgrade(url)

    def figures(blocks):
        out = [replace(b, src=images.url("/wall.png")) if b.kind == "figure" else b
               for b in blocks]
        second = replace(out[3], src=images.url("/second.png"), caption="Tweede beeld.",
                         alt="Tweede", credit="© Bo Foto")
        return out + [second]

    with session_scope(url) as session:
        draft_id = make_draft(session, source_blocks=figures(SOURCE_BLOCKS),
                              translated_blocks=figures(TRANSLATED_BLOCKS)).id
    settings = Settings(database_url=url, fetch_allow_hosts=["127.0.0.1"], retry_base=0.1,
                        retry_cap=0.2, max_attempts=2)
    return url, draft_id, settings


def _add(url, wordpress, name="blog", password=None, **options):
    with session_scope(url) as session:
        add_site(session, name, "wordpress", wordpress.url, password or wordpress.app_password,
                 username=wordpress.user, **options)


def _approve(url, draft_id, who="ann"):
    with session_scope(url) as session:
        review.approve(session, session.get(Draft, draft_id), who)


def _publish(url, draft_id, settings, site="blog"):
    with session_scope(url) as session:
        draft = session.get(Draft, draft_id)
        job_id = request_publish(session, draft, [get_site(session, site)], "ann")[0].job.id
    return publish_now(url, job_id, Services(settings), timeout=20)


def _publication(url, draft_id):
    with session_scope(url) as session:
        row = session.scalars(select(Publication).where(Publication.draft_id == draft_id)).one()
        session.expunge(row)
        return row


def test_an_approved_draft_becomes_one_post_with_featured_image_categories_and_meta(
        world, wordpress, images):
    url, draft_id, settings = world
    _add(url, wordpress, categories=["Climate", "Translations"], tag_site_name=True,
         post_status="publish")
    _approve(url, draft_id)
    link = _publish(url, draft_id, settings)

    posts = wordpress.posts()
    assert len(posts) == 1
    post = posts[0]
    assert post["link"] == link and post["status"] == "publish"
    assert post["title"]["raw"] == "De havenmuur"
    assert post["excerpt"]["raw"] == "De havenmuur is 18,7 km lang."
    html = post["content"]["raw"]
    doc = lxml.html.fromstring(html)
    assert "Dit is een vertaling" in doc.xpath("//header")[0].text_content()
    assert "Het oorspronkelijke artikel" in doc.xpath("//footer")[0].text_content()
    assert not doc.xpath("//h1")  # WordPress shows the title itself
    assert [h.text_content() for h in doc.xpath("//h2")] == ["Waarom het ertoe doet"]
    text = doc.text_content()
    for piece in ("18,7 km", "stijgend water", "Eerste punt", "Tweede punt",
                  "We zijn er klaar voor.", "De burgemeester", "De nieuwe muur.",
                  "© Ann Lens / Agency", "Tweede beeld.", "© Bo Foto"):
        assert piece in text
    assert "https://example.org/wall" in [a.get("href") for a in doc.iter("a")]
    # Inline images keep their source URLs (no --upload-images).
    assert [img.get("src") for img in doc.iter("img")] == [images.url("/wall.png"),
                                                           images.url("/second.png")]

    media = wordpress.rest(f"/wp/v2/media/{post['featured_media']}", {"context": "edit"})
    assert media["alt_text"] == "De muur bij schemering"
    assert "De nieuwe muur." in media["caption"]["raw"]
    assert "© Ann Lens / Agency" in media["caption"]["raw"]
    assert media["mime_type"] == "image/png"
    names = {c["id"]: c["name"] for c in wordpress.rest("/wp/v2/categories")}
    assert sorted(names[c] for c in post["categories"]) == ["Climate", "Translations"]
    tags = {t["id"]: t["name"] for t in wordpress.rest("/wp/v2/tags")}
    assert [tags[t] for t in post["tags"]] == ["Harbour Ledger"]
    assert post["meta"]["transdraft_source_url"] == "https://news.example.org/2025/harbour-wall"
    assert post["meta"]["transdraft_draft_id"] == str(draft_id)

    record = _publication(url, draft_id)
    assert (record.remote_id, record.url, record.status, record.revision) == (
        str(post["id"]), link, "publish", 1)
    with session_scope(url) as session:
        actions = session.scalars(select(AuditEvent.action).where(
            AuditEvent.draft_id == draft_id).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["publish_requested", "published"]


def test_a_new_approval_updates_the_same_post_and_a_deleted_post_is_recreated(world, wordpress):
    url, draft_id, settings = world
    _add(url, wordpress)
    _approve(url, draft_id)
    _publish(url, draft_id, settings)
    first = wordpress.posts()[0]
    with session_scope(url) as session:
        draft = session.get(Draft, draft_id)
        review.edit_block(session, draft, 0, {"html": "De muur is nu 19 km lang."}, "bo",
                          BlockTemplates(SHIPPED_BLOCKS_DIR))
        review.approve(session, draft, "bo")
    _publish(url, draft_id, settings)
    posts = wordpress.posts()
    assert [p["id"] for p in posts] == [first["id"]]
    assert "De muur is nu 19 km lang." in posts[0]["content"]["raw"]
    assert "18,7 km" not in posts[0]["content"]["raw"]
    assert _publication(url, draft_id).revision == 2
    # The lead image is not uploaded a second time.
    assert len(wordpress.rest("/wp/v2/media", {"context": "edit"})) == 1

    wordpress.php(f'wp_delete_post({first["id"]}, true);')
    _publish(url, draft_id, settings)
    posts = wordpress.posts()
    assert len(posts) == 1 and posts[0]["id"] != first["id"]
    assert _publication(url, draft_id).remote_id == str(posts[0]["id"])


def test_a_lost_answer_finds_the_post_by_its_slug_instead_of_making_a_second(world, wordpress):
    url, draft_id, settings = world
    _add(url, wordpress)
    _approve(url, draft_id)
    _publish(url, draft_id, settings)
    with session_scope(url) as session:  # as if the first answer never reached us
        row = session.scalars(select(Publication)).one()
        row.remote_id, row.url = None, ""
    _publish(url, draft_id, settings)
    assert len(wordpress.posts()) == 1
    assert _publication(url, draft_id).remote_id == str(wordpress.posts()[0]["id"])


def test_a_wrong_application_password_fails_with_a_reason_and_never_shows_the_secret(
        world, wordpress, caplog):
    url, draft_id, settings = world
    secret = "wrongwrongwrongwrongwron"
    _add(url, wordpress, password=secret)
    _approve(url, draft_id)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(PipelineError) as failure:
        _publish(url, draft_id, settings)
    assert failure.value.reason == (
        f"wordpress refused the application password for {wordpress.user}")
    with session_scope(url) as session:
        job = session.scalars(select(Job).where(Job.stage == "publish")).one()
        assert (job.state, job.attempts) == ("failed", 1)  # refused: not retried
        assert job.last_error == failure.value.reason
    assert wordpress.posts() == []
    assert secret not in caplog.text and secret not in str(failure.value)


def test_nothing_but_an_approved_revision_is_published(world, wordpress):
    url, draft_id, settings = world
    _add(url, wordpress)
    with session_scope(url) as session, pytest.raises(NotPublishable):
        request_publish(session, session.get(Draft, draft_id), [get_site(session, "blog")], "x")
    _approve(url, draft_id)
    with session_scope(url) as session:
        draft = session.get(Draft, draft_id)
        job_id = request_publish(session, draft, [get_site(session, "blog")], "ann")[0].job.id
        # Edited after the publish was queued: the draft needs a new approval first.
        review.edit_title(session, draft, "Niet goedgekeurd", "bo",
                          BlockTemplates(SHIPPED_BLOCKS_DIR))
    with pytest.raises(PipelineError, match="only approved drafts are published"):
        publish_now(url, job_id, Services(settings), timeout=20)
    assert wordpress.posts() == []


def test_rest_route_sites_inline_uploads_and_the_canonical_link(world, wordpress):
    url, draft_id, settings = world
    # No pretty permalinks: the API answers at ?rest_route= (the next test's reset undoes it).
    wordpress.php('update_option("permalink_structure", "");'
                  'update_option("transdraft_canonical", 1);')
    _add(url, wordpress, upload_images=True, post_status="publish")
    _approve(url, draft_id)
    link = _publish(url, draft_id, settings)
    assert "?p=" in link
    post = wordpress.posts()[0]
    media = {m["source_url"] for m in wordpress.rest("/wp/v2/media", {"context": "edit"})}
    assert len(media) == 2  # the lead image is also the first inline one: uploaded once
    content = lxml.html.fromstring(post["content"]["raw"])
    assert {img.get("src") for img in content.iter("img")} == media
    page = lxml.html.fromstring(wordpress.page(f"/?p={post['id']}"))
    assert page.xpath("//link[@rel='canonical']/@href") == [
        "https://news.example.org/2025/harbour-wall"]
