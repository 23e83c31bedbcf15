"""The sites registry: where approved drafts can be published, and how.

Secrets (a WordPress application password, a webhook's HMAC key) go in and are used, but
never come out: :func:`site_document` leaves them out, and no message names them.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from pipeline.db.models import Site
from pipeline.publish.errors import InvalidSite
from pipeline.vocabulary import PostStatus, SiteKind

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def add_site(
    session: Session, name: str, kind: SiteKind | str, url: str, secret: str,
    username: str = "", post_status: PostStatus | str = PostStatus.draft,
    categories: list[str] | None = None, auto: bool = False,
    upload_images: bool = False, tag_site_name: bool = False,
) -> Site:
    """Register a site; :class:`InvalidSite` with the reason when something is wrong."""
    name = name.strip()
    if not name or len(name) > 100 or any(c.isspace() for c in name):
        raise InvalidSite("a site name is 1 to 100 characters without spaces")
    try:
        kind = SiteKind(kind)
    except ValueError:
        raise InvalidSite(f"unknown site kind {kind!r}: {' or '.join(SiteKind)}") from None
    url = check_site_url(url)
    secret = secret.strip()
    if not secret:
        raise InvalidSite("the secret is empty: give it on stdin")
    if kind == SiteKind.wordpress:
        if not username.strip():
            raise InvalidSite("a WordPress site needs --user")
        # WordPress shows application passwords in groups of four; it accepts them either way.
        secret = "".join(secret.split())
    try:
        post_status = PostStatus(post_status)
    except ValueError:
        raise InvalidSite(f"unknown post status {post_status!r}: "
                          f"{', '.join(PostStatus)}") from None
    site = Site(name=name, kind=kind, url=url, username=username.strip(), secret=secret,
                post_status=post_status, categories=[c.strip() for c in categories or []
                                                     if c.strip()],
                auto=auto, upload_images=upload_images, tag_site_name=tag_site_name)
    try:
        with session.begin_nested():
            session.add(site)
            session.flush()
    except IntegrityError:
        raise InvalidSite(f"a site named {name} exists already") from None
    return site


def check_site_url(url: str) -> str:
    """The URL if it is an absolute http(s) URL; https is required except on this machine."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidSite(f"not an http(s) URL: {url!r}")
    if parts.username or parts.password:
        raise InvalidSite("put no credentials in the URL: use --user and the secret on stdin")
    if parts.scheme == "http" and parts.hostname not in LOCAL_HOSTS:
        raise InvalidSite(f"{url}: use https (secrets must not cross the network in clear "
                          "text); plain http is only for a site on this machine")
    return url


def get_site(session: Session, name: str) -> Site:
    """The site named ``name``; :class:`InvalidSite` when there is none."""
    site = session.scalars(select(Site).where(Site.name == name)).first()
    if site is None:
        raise InvalidSite(f"no site named {name}")
    return site


def list_sites(session: Session) -> list[Site]:
    return list(session.scalars(select(Site).order_by(Site.name)))


def remove_site(session: Session, name: str) -> None:
    """Forget a site and its publication records (the remote posts stay where they are)."""
    session.delete(get_site(session, name))
    session.flush()


def site_document(site: Site) -> dict[str, Any]:
    """The JSON form of a site, without its secret."""
    return {"name": site.name, "kind": site.kind, "url": site.url, "user": site.username,
            "status": site.post_status, "categories": list(site.categories or []),
            "auto": site.auto, "upload_images": site.upload_images,
            "tag_site_name": site.tag_site_name, "created_at": site.created_at.isoformat()}
