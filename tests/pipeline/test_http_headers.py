"""One reading of Retry-After for fetches, providers and publishing."""

from __future__ import annotations

import time

import pytest

from pipeline.http_headers import retry_after_seconds


def _http_date(offset: float) -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + offset))


@pytest.mark.parametrize("value, seconds", [
    ("120", 120.0), (" 7 ", 7.0), ("0", 0.0), ("1.5", 1.5), ("0030", 30.0),
])
def test_delta_seconds_whole_or_fractional(value, seconds):
    assert retry_after_seconds(value) == seconds


def test_an_http_date_is_the_seconds_until_it():
    assert 50 < retry_after_seconds(_http_date(60)) <= 60


def test_an_http_date_without_a_zone_is_read_as_gmt():
    value = _http_date(60).replace("GMT", "-0000")
    assert 50 < retry_after_seconds(value) <= 60


def test_a_date_in_the_past_means_now():
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("value", [
    None, "", "  ", "soon", "-5", "inf", "nan", "1e3", "12 seconds", "٣", "Mon, 99 Foo 2020",
])
def test_anything_else_gives_no_hint(value):
    assert retry_after_seconds(value) is None
