"""A small client of the WordPress REST API v2, authenticated with an application password.

It finds the API root the way WordPress advertises it (the ``Link: <...>;
rel="https://api.w.org/"`` header of the home page), so sites with pretty permalinks
(``/wp-json/``) and without (``/?rest_route=/``) both work. Answers become typed errors:
timeouts, 429 and 5xx are :class:`PublishUnavailable` (retried), 401 names the user whose
application password was refused, other 4xx carry WordPress's own code and message. The
password goes in the Authorization header only: it is in no URL and no message.
"""

from __future__ import annotations

import html as html_lib
from typing import Any

import httpx

from config.settings import Settings
from pipeline.db.models import Site
from pipeline.fetch.http import USER_AGENT
from pipeline.http_headers import retry_after_seconds
from pipeline.publish.content import plain_text
from pipeline.publish.errors import PublishRefused, PublishUnavailable

API_REL = "https://api.w.org/"
# Every status an editor can give a post, so a lookup by slug finds drafts too ("any" is
# not accepted by the posts endpoint).
LIVE_STATUSES = "publish,future,draft,pending,private"


class WordPress:
    """One conversation with one WordPress site; use it as a context manager."""

    def __init__(self, site: Site, settings: Settings,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.site = site
        self.user = site.username
        timeout = httpx.Timeout(connect=settings.fetch_connect_timeout,
                                read=settings.fetch_read_timeout,
                                write=settings.fetch_read_timeout,
                                pool=settings.fetch_connect_timeout)
        self._client = httpx.Client(auth=(site.username, site.secret), timeout=timeout,
                                    follow_redirects=True, transport=transport,
                                    headers={"User-Agent": USER_AGENT})
        self._root: str | None = None
        self._meta_keys: set[str] | None = None

    def __enter__(self) -> WordPress:
        return self

    def __exit__(self, *exc) -> None:
        self._client.close()

    # --- the API root and requests ---------------------------------------------------

    def api_root(self) -> str:
        """The REST API root, discovered once from the home page's Link header."""
        if self._root is None:
            self._root = self._discover()
        return self._root

    def _discover(self) -> str:
        home = self._send("GET", self.site.url, auth=False)
        link = home.links.get(API_REL, {}).get("url")
        if link:
            return link if link.endswith("/") else link + "/"
        # No Link header (a proxy or cache may drop it): try the two usual roots.
        base = self.site.url.rstrip("/")
        for root in (base + "/wp-json/", base + "/?rest_route=/"):
            answer = self._send("GET", root, auth=False)
            if answer.status_code == 200 and _is_json(answer) and "routes" in answer.json():
                return root
        raise PublishRefused(f"{self.site.url} does not look like WordPress: its home page "
                             f"has no REST API link (rel=\"{API_REL}\")")

    def call(self, method: str, route: str, *, params: dict | None = None,
             json: Any = None, content: bytes | None = None, headers: dict | None = None,
             missing_ok: bool = False) -> Any:
        """``method`` on ``route`` (e.g. ``wp/v2/posts``); the decoded JSON answer.

        With ``missing_ok`` a 404 or 410 answers None instead of raising.
        """
        url = httpx.URL(self.api_root() + route)
        if params:
            # Merged into the query: a ?rest_route= root keeps its route (httpx's own
            # ``params`` would replace the query).
            url = url.copy_merge_params(params)
        response = self._send(method, url, json=json, content=content, headers=headers)
        if missing_ok and response.status_code in (404, 410):
            return None
        self.check(response)
        if not _is_json(response):
            raise PublishRefused(f"wordpress: {method} {route} answered "
                                 f"{response.headers.get('content-type') or 'no content type'},"
                                 " not JSON")
        return response.json()

    def _send(self, method: str, url: str | httpx.URL, auth: bool = True,
              **kwargs) -> httpx.Response:
        options = {} if auth else {"auth": None}
        try:
            return self._client.request(method, url, **options, **kwargs)
        except httpx.TimeoutException:
            raise PublishUnavailable(f"wordpress at {self.site.url} timed out") from None
        except httpx.TransportError as error:
            raise PublishUnavailable(f"wordpress at {self.site.url} unreachable: "
                                     f"{type(error).__name__}: {error}") from None

    def check(self, response: httpx.Response) -> None:
        """Raise the typed error for an unsuccessful answer."""
        status = response.status_code
        if status < 400:
            return
        code, message = _error_of(response)
        detail = f"{code}: {message}" if code else f"HTTP {status}"
        if status == 429 or status >= 500:
            retry_after = retry_after_seconds(response.headers.get("retry-after"))
            raise PublishUnavailable(f"wordpress: {detail}", retry_after=retry_after)
        if status == 401:
            raise PublishRefused(f"wordpress refused the application password for {self.user}")
        raise PublishRefused(f"wordpress: {detail}")

    # --- what publishing needs -------------------------------------------------------

    def me(self) -> dict:
        """The user the application password belongs to, with its capabilities."""
        return self.call("GET", "wp/v2/users/me", params={"context": "edit"})

    def meta_keys(self) -> set[str]:
        """The post meta keys the site exposes over REST (see contrib/wordpress)."""
        if self._meta_keys is None:
            schema = (self.call("OPTIONS", "wp/v2/posts") or {}).get("schema", {})
            meta = schema.get("properties", {}).get("meta", {}).get("properties", {})
            self._meta_keys = set(meta)
        return self._meta_keys

    def get_post(self, post_id: str) -> dict | None:
        """The post, or None when it was deleted or is in the trash."""
        post = self.call("GET", f"wp/v2/posts/{int(post_id)}", params={"context": "edit"},
                         missing_ok=True)
        if post is None or post.get("status") == "trash":
            return None
        return post

    def find_post(self, slug: str) -> dict | None:
        """The post with ``slug`` in any status but the trash, or None."""
        posts = self.call("GET", "wp/v2/posts",
                          params={"slug": slug, "status": LIVE_STATUSES, "context": "edit"})
        return posts[0] if posts else None

    def create_post(self, fields: dict) -> dict:
        return self.call("POST", "wp/v2/posts", json=fields)

    def update_post(self, post_id: int, fields: dict) -> dict:
        return self.call("POST", f"wp/v2/posts/{int(post_id)}", json=fields)

    def term_id(self, taxonomy: str, name: str) -> int:
        """The id of the category or tag ``name`` (``taxonomy``: categories or tags), made
        when the site has none of that name."""
        # The view context: an Author may read terms but not in the edit context.
        found = self.call("GET", f"wp/v2/{taxonomy}", params={"search": name, "per_page": 100})
        for term in found or []:
            if html_lib.unescape(term.get("name", "")).casefold() == name.casefold():
                return int(term["id"])
        response = self._send("POST", self.api_root() + f"wp/v2/{taxonomy}",
                              json={"name": name})
        if response.status_code == 400 and _is_json(response):
            data = response.json()
            if data.get("code") == "term_exists":  # made meanwhile, or differently spelled
                return int(data.get("data", {}).get("term_id"))
        self.check(response)
        return int(response.json()["id"])

    def find_media(self, slug: str) -> dict | None:
        found = self.call("GET", "wp/v2/media", params={"slug": slug, "context": "edit"})
        return found[0] if found else None

    def upload_media(self, data: bytes, content_type: str, filename: str, slug: str) -> dict:
        return self.call("POST", "wp/v2/media", params={"slug": slug}, content=data,
                         headers={"Content-Type": content_type,
                                  "Content-Disposition": f'attachment; filename="{filename}"'})

    def update_media(self, media_id: int, fields: dict) -> dict:
        return self.call("POST", f"wp/v2/media/{int(media_id)}", json=fields)


def _is_json(response: httpx.Response) -> bool:
    return "json" in response.headers.get("content-type", "")


def _error_of(response: httpx.Response) -> tuple[str, str]:
    """WordPress's error code and message, tags out, shortened."""
    if not _is_json(response):
        return "", ""
    try:
        data = response.json()
    except ValueError:
        return "", ""
    if not isinstance(data, dict):
        return "", ""
    return str(data.get("code", "")), plain_text(str(data.get("message", "")))[:300]
