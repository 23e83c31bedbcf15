"""A real Apertium APY with the English-Spanish pair, when it is installed."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from pipeline.document import Block, ExtractedArticle
from pipeline.errors import ProviderError
from pipeline.translate import translate_article
from pipeline.translate.providers.apertium import ApertiumProvider

pytestmark = [pytest.mark.apertium, pytest.mark.slow]  # an apertium-apy process


def _modes_dir(binary: str) -> Path | None:
    """Pairs install their modes beside APY: PREFIX/bin/apertium-apy, PREFIX/share/apertium."""
    candidates = [os.environ.get("APERTIUM_MODES_DIR", ""),
                  Path(binary).resolve().parent.parent / "share" / "apertium" / "modes"]
    return next((Path(d) for d in candidates if d and (Path(d) / "eng-spa.mode").exists()), None)


@pytest.fixture(scope="module")
def apy_url():
    binary = shutil.which("apertium-apy")
    if binary is None:
        pytest.skip("apertium-apy is not installed")
    modes = _modes_dir(binary)
    if modes is None:
        pytest.skip("the apertium-eng-spa pair is not installed (no eng-spa.mode)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen(["apertium-apy", "-p", str(port), str(modes)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/listPairs", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail("apertium-apy did not become ready within 30s")
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_english_article_becomes_spanish_with_link_kept(apy_url):
    article = ExtractedArticle("https://e.org/a", "The red house", [
        Block("paragraph", html='The dog eats apples. I see <a href="https://e.org/x">the '
                                'big house</a> today.'),
        Block("paragraph", html="The city has a new school."),
    ], source_lang="en")
    provider = ApertiumProvider(10, apy_url)
    result = translate_article(article, "es", provider)
    assert "casa" in result.title.lower()
    first = result.blocks[0].html
    assert "perro" in first and "manzanas" in first
    assert '<a href="https://e.org/x">' in first and "</a>" in first
    assert "ciudad" in result.blocks[1].html
    assert all(s.origin == "machine" for s in result.segments)
    assert result.requests == 2  # /listPairs once, then one pack


def test_unsupported_pair_is_permanent(apy_url):
    with pytest.raises(ProviderError, match=r"^unsupported language pair en->nl"):
        ApertiumProvider(10, apy_url).translate_texts(["Hello"], "en", "nl")
