"""Language tags as Google wants them."""

import pytest

from pipeline.translate.providers.google import google_code


@pytest.mark.parametrize("tag, code", [
    ("zh", "zh-CN"), ("zh-cn", "zh-CN"), ("zh-Hant", "zh-TW"), ("zh-TW", "zh-TW"),
    ("en-US", "en"), ("NL", "nl"), ("auto", "auto"),
])
def test_google_code(tag, code):
    assert google_code(tag) == code
