"""Counting words in any script, for the thresholds that tell an article from a stub.

Chinese, Japanese, Thai, Lao, Khmer and Burmese are written without spaces between words:
split on whitespace, a whole Japanese article is a handful of "words" and was refused as
having no main text. There, characters are counted instead, ``CHARACTERS_PER_WORD`` to a
word (a word of these languages is one to three characters long).
"""

from __future__ import annotations

import re

CHARACTERS_PER_WORD = 2
# Thai, Lao, Burmese, Khmer, CJK punctuation, kana, CJK ideographs and compatibility forms.
_SPACELESS = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3000-\u30ff"
                        r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f]")


def word_count(text: str) -> int:
    """Words of ``text``: whitespace-separated words, plus the characters of scripts written
    without spaces counted ``CHARACTERS_PER_WORD`` to a word."""
    spaceless = len(_SPACELESS.findall(text))
    rest = _SPACELESS.sub(" ", text)
    words = sum(1 for word in rest.split() if any(c.isalnum() for c in word))
    return words + -(-spaceless // CHARACTERS_PER_WORD)
