"""Fetch an image for publishing, through the same SSRF guard, redirect, time and size limits
as an article page; only image types a CMS media library takes are accepted."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from config.settings import Settings
from pipeline.errors import FetchFailed
from pipeline.fetch import body as page_body
from pipeline.fetch.http import check_status, guarded_get

# The raster formats WordPress accepts by default. SVG is left out on purpose: it is a
# document that can carry script, and WordPress refuses it anyway.
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/gif": "gif",
               "image/webp": "webp", "image/avif": "avif"}


@dataclass(frozen=True)
class FetchedImage:
    """An image as fetched: its bytes, media type and the usual file extension for it."""

    url: str
    data: bytes
    content_type: str

    @property
    def extension(self) -> str:
        return IMAGE_TYPES[self.content_type]


def fetch_image(url: str, settings: Settings) -> FetchedImage:
    """The image at ``url``; :class:`FetchFailed` when it is not one of IMAGE_TYPES."""
    def read(response: httpx.Response, requested: str, final: str) -> FetchedImage:
        check_status(response)
        media_type = page_body.media_type(response.headers.get("content-type"))
        if media_type not in IMAGE_TYPES:
            raise FetchFailed(f"not an image: unsupported content type {media_type or 'none'}"
                              f" at {url}")
        data = page_body.read_capped(response.iter_raw(),
                                     response.headers.get("content-encoding"),
                                     settings.fetch_max_bytes)
        if not data:
            raise FetchFailed(f"empty image at {url}")
        return FetchedImage(requested, data, media_type)

    return guarded_get(url, settings, ",".join(IMAGE_TYPES) + ";q=0.9,*/*;q=0.1", read)
