"""The WordPress client's reading of answers, against a stub that speaks like WordPress:
API discovery, and which answers are retried (429, 5xx, timeouts) or refused for good."""

from __future__ import annotations

import json

import pytest

from config.settings import Settings
from pipeline.db.models import Site
from pipeline.publish.errors import PublishRefused, PublishUnavailable
from pipeline.publish.wordpress_api import WordPress
from tests.stubs.server import Response, StubServer

SECRET = "abcdabcdabcdabcdabcdabcd"


def _json(data, status=200, **headers) -> Response:
    return Response(status, json.dumps(data), content_type="application/json", headers=headers)


def _client(server: StubServer) -> WordPress:
    site = Site(name="s", kind="wordpress", url=server.url("/"), username="ed", secret=SECRET)
    return WordPress(site, Settings(fetch_read_timeout=1.0, fetch_connect_timeout=1.0))


def _wordpress(posts: Response | None = None, link: str | None = "/wp-json/"):
    def home(request):
        headers = {"Link": f'<{server.url(link)}>; rel="https://api.w.org/"'} if link else {}
        return Response(200, "<html>blog</html>", headers=headers)

    def route(request):
        if request.path == "/":
            return home(request)
        if request.path == "/wp-json/wp/v2/posts":
            return posts
        return _json({"code": "rest_no_route", "message": "No route"}, 404)

    server = StubServer(route)
    return server


@pytest.mark.slow  # waits out a deadline by design
def test_429_and_5xx_are_retried_later_with_retry_after():
    with _wordpress(_json({"code": "too_many", "message": "Slow down"}, 429,
                          **{"Retry-After": "30"})) as server, _client(server) as wp:
        with pytest.raises(PublishUnavailable) as error:
            wp.create_post({"title": "t"})
    assert error.value.retry_after == 30 and error.value.reason == "wordpress: too_many: Slow down"
    with _wordpress(Response(502, "bad gateway")) as server, _client(server) as wp:
        with pytest.raises(PublishUnavailable, match="HTTP 502"):
            wp.create_post({"title": "t"})
    with _wordpress(Response(200, "{}", delay=2.0)) as server, _client(server) as wp:
        with pytest.raises(PublishUnavailable, match="timed out"):
            wp.create_post({"title": "t"})


def test_refusals_name_the_user_or_wordpress_own_reason_never_the_secret():
    with _wordpress(_json({"code": "incorrect_password", "message": "Wrong"}, 401)) as server, \
            _client(server) as wp:
        with pytest.raises(PublishRefused) as error:
            wp.create_post({"title": "t"})
    assert error.value.reason == "wordpress refused the application password for ed"
    cannot = _json({"code": "rest_cannot_create",
                    "message": "Sorry, you are <b>not allowed</b> to create posts as this user."},
                   403)
    with _wordpress(cannot) as server, _client(server) as wp:
        with pytest.raises(PublishRefused) as error:
            wp.create_post({"title": "t"})
    assert error.value.reason == ("wordpress: rest_cannot_create: Sorry, you are not allowed to "
                                  "create posts as this user.")
    assert SECRET not in error.value.reason


def test_the_api_root_is_discovered_or_the_site_is_not_wordpress():
    with _wordpress(_json([])) as server, _client(server) as wp:
        assert wp.api_root() == server.url("/wp-json/")
        assert wp.find_post("x") is None
        assert server.requests[-1].headers["authorization"].startswith("Basic ")
        assert "authorization" not in server.requests[0].headers  # the home page: no password
    with _wordpress(link=None) as server, _client(server) as wp:
        with pytest.raises(PublishRefused, match="does not look like WordPress"):
            wp.api_root()
