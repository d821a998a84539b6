"""When two sentences are the same statement: reprints, other quotation marks, a missing final stop.

A wire story reprinted by several outlets, or a quote given with "straight" in one article and
“curly” quotation marks in another, should be shown once. ``sentence_key`` reduces a sentence to
its words (Unicode-normalised, case-folded, punctuation, quotation marks and spacing dropped), so
sentences with equal keys say the same thing in the same words. Pure; no index needed.
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+")


def sentence_key(text: str) -> str:
    """The words of ``text``, case-folded and joined by single spaces (``""`` when it has none).

    ``“We will rebuild,” she said.`` and ``"We will rebuild" she said`` have the same key.
    """
    if not text.isascii():  # ASCII is its own NFKC form
        text = unicodedata.normalize("NFKC", text)
    return " ".join(_WORD.findall(text.casefold()))
