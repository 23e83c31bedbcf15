"""Every provider client classifies failures: transient (retry) or permanent (fail the job)."""

from __future__ import annotations

import socket
import time

import pytest

from config.settings import Settings
from pipeline.errors import ProviderError, ProviderUnavailable
from pipeline.translate import make_provider
from pipeline.translate.providers.apertium import ApertiumProvider
from pipeline.translate.providers.deepl import DeepLProvider
from pipeline.translate.providers.google import GoogleProvider
from pipeline.translate.providers.libre import LibreProvider
from pipeline.translate.providers.microsoft import MicrosoftProvider
from pipeline.translate.providers.mymemory import MyMemoryProvider
from tests.stubs.server import StubServer
from tests.stubs.translators import (
    Faults,
    apertium_routes,
    deepl_routes,
    google_routes,
    libre_routes,
    microsoft_routes,
    mymemory_routes,
)

# name -> (routes factory, provider factory from (stub, timeout))
CLIENTS = {
    "google": (google_routes, lambda stub, t: GoogleProvider(t, stub.url("/m"))),
    "mymemory": (mymemory_routes, lambda stub, t: MyMemoryProvider(t, stub.url("/get"))),
    "libre": (libre_routes, lambda stub, t: LibreProvider(t, stub.base_url)),
    "deepl": (deepl_routes, lambda stub, t: DeepLProvider(t, "stub-key:fx", stub.base_url)),
    "microsoft": (microsoft_routes,
                  lambda stub, t: MicrosoftProvider(t, "key", stub.url("/translate"))),
    "apertium": (apertium_routes, lambda stub, t: ApertiumProvider(t, stub.base_url)),
}


def call(name: str, faults: Faults, timeout: float = 5.0) -> list[str]:
    routes, make = CLIENTS[name]
    with StubServer(routes(faults)) as stub:
        return make(stub, timeout).translate_texts(["Hello <x1>world</x1>"], "en", "nl")


@pytest.mark.parametrize("name", CLIENTS)
def test_stubs_answer_normally(name):
    assert call(name, Faults()) == ["HELLO <x1>WORLD</x1>"]


@pytest.mark.parametrize("name", CLIENTS)
@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_rate_limits_and_server_errors_are_transient(name, status):
    with pytest.raises(ProviderUnavailable) as caught:
        call(name, Faults(status=status, retry_after="7"))
    assert f"HTTP {status}" in caught.value.reason
    assert caught.value.reason.startswith(name)
    if status == 429:
        assert caught.value.reason == f"{name}: HTTP 429 rate limited"
        assert caught.value.retry_after == 7


@pytest.mark.parametrize("name", CLIENTS)
@pytest.mark.parametrize("status", [401, 403])
def test_authentication_failures_are_permanent(name, status):
    with pytest.raises(ProviderError, match="authentication failed"):
        call(name, Faults(status=status))


@pytest.mark.parametrize("name", CLIENTS)
def test_bad_requests_are_permanent(name):
    with pytest.raises(ProviderError, match=rf"^{name}: bad request \(HTTP 400\)"):
        call(name, Faults(status=400))


@pytest.mark.parametrize("name", CLIENTS)
def test_a_stalled_server_fails_within_the_timeout(name):
    started = time.monotonic()
    with pytest.raises(ProviderUnavailable, match=rf"^{name}: no answer within 0.5s"):
        call(name, Faults(delay=3), timeout=0.5)
    assert time.monotonic() - started < 2.5


def _refused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again: nothing listens there


@pytest.mark.parametrize("name", CLIENTS)
def test_connection_refused_is_transient(name):
    port = _refused_port()

    class Nowhere:
        base_url = f"http://127.0.0.1:{port}"

        def url(self, path: str) -> str:
            return self.base_url + path

    provider = CLIENTS[name][1](Nowhere(), 2)
    with pytest.raises(ProviderUnavailable, match=r"^cannot reach 127\.0\.0\.1 \(connection "
                       r"refused\): check the network or choose another provider") as caught:
        provider.translate_texts(["Hello secret text"], "en", "nl")
    # Fails fast, names no payload, and nothing counts as sent.
    assert caught.value.fast
    assert "secret" not in caught.value.reason
    assert provider.chars_sent == 0


def test_mymemory_quota_warning_is_quota_exceeded():
    with pytest.raises(ProviderUnavailable, match=r"^provider quota exceeded"):
        call("mymemory", Faults(quota=True))


def test_deepl_456_is_quota_exceeded():
    with pytest.raises(ProviderUnavailable, match=r"^provider quota exceeded \(deepl"):
        call("deepl", Faults(status=456))


def test_deepl_sends_key_header_and_several_texts_in_one_request():
    with StubServer(deepl_routes()) as stub:
        provider = DeepLProvider(5, "stub-key:fx", stub.base_url)
        assert provider.translate_texts(["a", "b <x1/>"], "en", "nl") == ["A", "B <x1/>"]
    (request,) = stub.requests
    assert request.headers["authorization"] == "DeepL-Auth-Key stub-key:fx"
    assert DeepLProvider(5, "k:fx").base_url == "https://api-free.deepl.com"
    assert DeepLProvider(5, "k").base_url == "https://api.deepl.com"


def test_deepl_wrong_key_is_permanent():
    with StubServer(deepl_routes()) as stub:
        with pytest.raises(ProviderError, match="deepl: authentication failed"):
            DeepLProvider(5, "other", stub.base_url).translate_texts(["a"], "en", "nl")


@pytest.mark.parametrize("name", ["google", "mymemory"])
def test_unknown_language_is_refused_before_any_request(name):
    routes, make = CLIENTS[name]
    with StubServer(routes()) as stub:
        with pytest.raises(ProviderError, match=r"^unsupported language pair en->xx"):
            make(stub, 5).translate_texts(["Hello"], "en", "xx")
    assert stub.requests == []


def test_libre_unsupported_language_and_wrong_key():
    with StubServer(libre_routes(Faults(api_key="right"))) as stub:
        with pytest.raises(ProviderError, match=r"^unsupported language pair en->xx"):
            LibreProvider(5, stub.base_url, "right").translate_texts(["Hi"], "en", "xx")
        with pytest.raises(ProviderError, match=r"^libre: authentication failed"):
            LibreProvider(5, stub.base_url, "wrong").translate_texts(["Hi"], "en", "nl")


def test_make_provider_names_the_missing_setting():
    with pytest.raises(ProviderError, match="^libre: TRANSDRAFT_LIBRE_URL is not set$"):
        make_provider("libre", Settings())
    with pytest.raises(ProviderError, match="TRANSDRAFT_DEEPL_API_KEY"):
        make_provider("deepl", Settings())
    with pytest.raises(ProviderError, match="TRANSDRAFT_APERTIUM_URL"):
        make_provider("apertium", Settings())
    provider = make_provider("google", Settings(provider_timeout=3))
    assert provider.name == "google" and provider.timeout == 3
