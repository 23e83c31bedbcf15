from __future__ import annotations

import pytest

from pipeline.translate.markup import decode, encode, strip_placeholders

SAMPLE = ('Read <a href="https://e.org/r?a=1&amp;b=2">the <em>full</em> report</a>, '
          'run <code>ls &lt;dir&gt;</code><br>or visit https://e.org/x. AT&amp;T <sup>2</sup>')


def test_encode_replaces_tags_and_hides_urls_and_code():
    encoded = encode(SAMPLE)
    assert encoded.text == ("Read <x1>the <x2>full</x2> report</x1>, run <x3/><x4/>or visit "
                            "<x5/>. AT&T <x6>2</x6>")
    assert encoded.markup.endswith("AT&amp;T <x6>2</x6>")
    for secret in ("https://", "href", "ls "):
        assert secret not in encoded.text
    assert encoded.translatable


@pytest.mark.parametrize("as_html", [False, True])
def test_round_trip_restores_the_original(as_html):
    encoded = encode(SAMPLE)
    assert decode(encoded.form(as_html), encoded, is_html=as_html) == SAMPLE


def test_decode_accepts_reordered_and_respaced_placeholders():
    encoded = encode('a <em>big</em> <strong>dog</strong>')
    assert decode("un < x2 >perro</X2> <x1>grande</x1>", encoded) == (
        "un <strong>perro</strong> <em>grande</em>")


@pytest.mark.parametrize("damaged", [
    "Read the full report",  # everything lost
    "Read <x1>the <x2>full</x2> report, <x3/><x4/> <x5/> AT&T <x6>2</x6>",  # </x1> lost
    "Read <x1>the <x2>full</x1> report</x2>, <x3/><x4/> <x5/> AT&T <x6>2</x6>",  # crossed
    "Read <x1>the <x2>full</x2> report</x1> <x3/><x3/><x4/> <x5/> AT&T <x6>2</x6>",  # twice
    "Read <x1>the <x2>full</x2> report</x1> <x3/><x4/> <x5/> <x9/> AT&T <x6>2</x6>",  # unknown
])
def test_decode_detects_lost_duplicated_or_unbalanced_placeholders(damaged):
    assert decode(damaged, encode(SAMPLE)) is None


def test_html_engines_may_spell_void_placeholders_as_pairs():
    encoded = encode("one<br>two")
    assert decode("uno<x1></x1>dos", encoded, is_html=True) == "uno<br>dos"


def test_only_urls_numbers_and_punctuation_are_not_translatable():
    assert not encode("https://e.org/a — 12.5%, 2024!").translatable
    assert not encode("<code>print(1)</code>").translatable
    assert encode("12 cats").translatable


def test_plain_version_keeps_masks_and_drops_tags():
    plain = encode(SAMPLE).plain()
    assert plain.text == "Read the full report, run <x3/><x4/>or visit <x5/>. AT&T 2"
    assert decode(plain.text, plain) == (
        "Read the full report, run <code>ls &lt;dir&gt;</code><br>or visit https://e.org/x. "
        "AT&amp;T 2")


def test_text_is_escaped_on_the_way_back():
    encoded = encode("a &lt; b")
    assert encoded.text == "a < b"
    assert decode("A < B", encoded) == "A &lt; B"
    assert strip_placeholders("<x1>A</x1> & b") == "A &amp; b"
