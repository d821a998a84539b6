"""Tokenisation: text -> list of normalised terms, with the stemmer injected.

``Tokenizer`` is the one analyser used for indexing, querying and summarising, so that a word in
a question and the same word in an article always become the same term.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from bot.retrieval.stopwords import STOPWORDS, STOPWORDS_VERSION

# Letters or digits, with inner apostrophes or decimal points ("don't", "3.5", "1,000" -> "1,000").
_WORD_RE = re.compile(r"[^\W_]+(?:[\'’.,][^\W_]+)*")
_POSSESSIVE_RE = re.compile(r"[\'’]s$")

# Irregular forms a suffix stemmer cannot join to their base word. Speech verbs matter most:
# "What did Vance say?" must match "Vance said ...".
IRREGULAR: dict[str, str] = {
    "said": "say",
    "says": "say",
    "told": "tell",
    "wrote": "write",
    "written": "write",
    "spoke": "speak",
    "spoken": "speak",
    "began": "begin",
    "begun": "begin",
    "went": "go",
    "gone": "go",
    "won": "win",
    "lost": "lose",
    "left": "leave",
    "met": "meet",
    "held": "hold",
    "led": "lead",
    "sent": "send",
    "spent": "spend",
    "took": "take",
    "taken": "take",
    "gave": "give",
    "given": "give",
    "made": "make",
    "came": "come",
    "became": "become",
    "saw": "see",
    "seen": "see",
    "knew": "know",
    "known": "know",
    "thought": "think",
    "brought": "bring",
    "bought": "buy",
    "caught": "catch",
    "fought": "fight",
    "sought": "seek",
    "taught": "teach",
    "built": "build",
    "felt": "feel",
    "kept": "keep",
    "paid": "pay",
    "sold": "sell",
    "found": "find",
    "chose": "choose",
    "chosen": "choose",
    "drove": "drive",
    "driven": "drive",
    "fell": "fall",
    "fallen": "fall",
    "flew": "fly",
    "flown": "fly",
    "grew": "grow",
    "grown": "grow",
    "rose": "rise",
    "risen": "rise",
    "struck": "strike",
    "stood": "stand",
    "shot": "shoot",
    "hit": "hit",
    "killed": "kill",
    "born": "bear",
    "men": "man",
    "women": "woman",
    "children": "child",
    "people": "people",
}


@dataclass(slots=True)
class Tokenizer:
    """Splits text into lower-cased words, drops stop words, maps irregular forms and stems.

    Parameters
    ----------
    stemmer:
        Any ``str -> str`` callable (for example ``nltk``'s Snowball stemmer's ``stem``). Results
        are memoised per instance, so a slow stemmer is called once per distinct word.
    stopwords:
        Words dropped before stemming.
    """

    stemmer: Callable[[str], str]
    stopwords: frozenset[str] = STOPWORDS
    name: str = "snowball-english"
    _cache: dict[str, str] = field(default_factory=dict, repr=False)
    # Raw token as found in the text -> its term, or "" for a dropped stop word. A token's fate
    # depends only on its own characters, so most tokens cost one dictionary lookup.
    _raw: dict[str, str] = field(default_factory=dict, repr=False)

    def words(self, text: str) -> list[str]:
        """Lower-cased words of ``text`` with possessive ``'s`` removed (no stemming, no stop words)."""
        return [_POSSESSIVE_RE.sub("", w) for w in _WORD_RE.findall(text.lower())]

    def term(self, word: str) -> str:
        """The index term of one lower-cased word (irregular forms mapped, then stemmed)."""
        cached = self._cache.get(word)
        if cached is None:
            base = IRREGULAR.get(word, word).replace("’", "'")
            if "." in base or "," in base:
                # "u.s" -> "us", "1,000" -> "1000"; decimals such as "3.5" keep their point.
                base = base.replace(",", "") if base[0].isdigit() else base.replace(".", "").replace(",", "")
            cached = base if base[0].isdigit() else self.stemmer(base)
            self._cache[word] = cached
        return cached

    def __call__(self, text: str) -> list[str]:
        """Index terms of ``text``, in order (stop words dropped)."""
        raw_terms = self._raw
        out = []
        for raw in _WORD_RE.findall(text):
            term = raw_terms.get(raw)
            if term is None:
                term = raw_terms[raw] = self._raw_term(raw)
            if term:
                out.append(term)
        return out

    def _raw_term(self, raw: str) -> str:
        word = _POSSESSIVE_RE.sub("", raw.lower())
        # An all-capital stop word is an acronym ("US", "IT", "WHO"), so it is kept.
        if word in self.stopwords and not (len(raw) > 1 and raw.isupper()):
            return ""
        return self.term(word)

    def terms_of(self, texts: Iterable[str]) -> list[list[str]]:
        """Terms of each text."""
        return [self(t) for t in texts]

    def known_terms(self) -> dict[str, str]:
        """The word -> term pairs worked out so far (saved with an index, see ``learn``)."""
        return dict(self._cache)

    def learn(self, terms: dict[str, str]) -> None:
        """Take word -> term pairs from a tokenizer with the same ``describe()`` (e.g. the one
        that built a saved index), so those words are never stemmed again."""
        for word, term in terms.items():
            self._cache.setdefault(word, term)

    def describe(self) -> dict[str, object]:
        """Settings that change the terms; stored with an index so a mismatch forces a rebuild."""
        return {"name": self.name, "stopwords_version": STOPWORDS_VERSION, "irregular": len(IRREGULAR)}


class LazySnowball:
    """nltk's English Snowball (Porter 2) stemmer, imported when the first word is stemmed.

    nltk takes about a second to import; a tokenizer that ``learn``-ed the words of a saved index
    answers most questions without ever loading it.
    """

    __slots__ = ("_stem",)

    def __init__(self) -> None:
        self._stem: Callable[[str], str] | None = None

    def __call__(self, word: str) -> str:
        if self._stem is None:
            from nltk.stem.snowball import SnowballStemmer

            self._stem = SnowballStemmer("english", ignore_stopwords=False).stem
        return self._stem(word)


def default_tokenizer() -> Tokenizer:
    """The product's tokenizer: nltk's Snowball (Porter 2) English stemmer, which needs no data files."""
    return Tokenizer(stemmer=LazySnowball())
