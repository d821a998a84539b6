"""Rule-based English sentence splitter tuned for news text.

Design: one compiled pattern finds every *candidate* boundary (a line break; a run of
``.``, ``!``, ``?`` or ``…`` with any closing quotes or brackets, followed by whitespace;
an inline bullet; an inline ``2)`` list number) and a few cheap checks decide each
candidate. There is no per-character Python loop, so the time is linear in the text.

Decisions for a candidate after sentence punctuation:

* followed by a lower-case word, or by a closing mark after a space: never a boundary
  (``"Is it?" he asked.``, ``Yahoo! in``, ``U.S. officials``). Quotations therefore stay
  with their speaker, and a quotation of several sentences is split at its own sentence
  ends, the first piece keeping the speaker.
* ``?`` / ``!``: a boundary otherwise, except a quoted question or exclamation followed by
  a named speaker and a speech verb that ends the clause (``"Why not?" Ms Reed asked.``).
* ``.`` after a title (``Mr.``, ``Dr.``, ``Gen.``, ``vs.``, ``e.g.``): never a boundary.
* ``.`` after a word that is an abbreviation only before a number (``No. 5``, ``p. 55``,
  ``Jan. 20``): not a boundary before a digit.
* ``.`` after an ambiguous abbreviation (``Co.``, ``Inc.``, ``Jr.``, ``St.``, ``etc.``),
  a single letter (``George W. Bush``) or a dotted initialism (``U.S.``, ``a.m.``): a
  boundary only when the next word is a common sentence opener (``The``, ``It``, ``He``,
  ``How``, ``Did`` ...) or a closing quote follows the stop, so ``U.S. Government`` stays
  and ``the U.S. How about you?`` splits.
* a spaced three-dot ellipsis is not a boundary (``is . . . I didn't``); ``...`` / ``…``
  and four dots are (before a capital); ``[...]`` never is.

Line breaks (paragraphs and list lines) always end a sentence, and so do inline list items
in a paragraph that starts as a list (``1. first 2. second``, ``a. first b. second``,
``• first • second``).
"""

from __future__ import annotations

import re

_CLOSERS = "\"'\u201d\u2019\u00bb)\\]"
_OPENERS = "\"'\u201c\u2018\u00ab([{"
_CLOSING = frozenset("\u201d\u2019\u00bb)]}")
_QUOTES = frozenset("\"'\u201c\u201d\u2018\u2019")
_BULLETS = "\u2022\u2023\u2043\u25aa\u25e6"

# Every alternative starts with one character from a single class, so the regex engine can
# skip straight to the next candidate character (an alternation of character classes would
# defeat that optimisation and make the scan ten times slower).
_CANDIDATE = re.compile(
    f"[\\n.!?\u2026{_BULLETS})]"
    "(?:"
    # a line break, with any whitespace after it
    r"(?<=\n)(?P<nl>)\s*"
    # sentence punctuation (a spaced ellipsis ". . ." counts as one run), closing quotes or
    # brackets, then whitespace or the end of the text
    f"|(?<=[.!?\u2026])(?P<p>[.!?\u2026]*+(?: [.\u2026]++)*+)(?P<c>[{_CLOSERS}]*+)(?=\\s|\\Z)"
    # any other run of two or more marks ("mean...see") is consumed whole, which keeps long
    # runs of dots linear
    "|(?<=[.!?\u2026])(?:[.!?\u2026]| [.\u2026])++"
    # an inline bullet
    f"|(?<=\\s[{_BULLETS}])(?P<bul>)"
    # an inline "2) " list number
    r"|(?:(?<=\s\d\))|(?<=\s\d\d\))|(?<=\s\d\d\d\)))(?=\s)(?P<pl>)"
    ")"
)
# After a quoted question or exclamation, a speaker and a speech verb that ends the clause
# ('"Why not?" Ms Reed asked.', '"Go!" Coach Lee shouted at them.', '"Why?" I asked.') finish
# the same sentence. A pronoun going on ('"Why?" He said: ...') or a verb that opens a clause
# ('"Why?" Mr Lee said he ...') starts a new one.
_SPEECH_VERBS = (
    "said|says|asked|asks|added|adds|wrote|writes|replied|replies|shouted|yelled|screamed|cried|explained"
    "|recalled|insisted|joked|quipped|tweeted|wondered|exclaimed|continued|answered|responded"
    "|told(?: the)? [A-Za-z'\u2019-]+"
)
_ATTRIBUTION = re.compile(
    f"(?:He|She|They|I|We|You) (?:{_SPEECH_VERBS})(?=\\.)"
    f"|(?!(?:He|She|They|I|We|It|You|This|That)\\b)(?:[A-Z][\\w'\u2019.-]*\\s){{1,4}}(?:{_SPEECH_VERBS})"
    r"(?=[.,;]|\s+(?:of|in|about|on|to|at|after|before|when|while|as|during|according|recently|earlier"
    r"|later|yesterday|today|tonight|this|last)\b|\s*\Z)"
)
_NONSPACE = re.compile(r"\S")
_WORD = re.compile(r"[A-Za-z]+")
_INITIALISM = re.compile(r"[A-Za-z]{1,2}(?:\.[A-Za-z]{1,2})+")
# A list marker at the start of a sentence: optional bullet, then "1." "1.)" "1)" or "a."
_MARKER = re.compile(f"(?:[{_BULLETS}] ?)?(?:(?P<num>\\d{{1,3}})|(?P<let>[a-z]))(?:\\.\\)|\\.|\\))")

# Abbreviation kinds (bit flags).
_NEVER = 1  # never ends a sentence: titles before a name, "vs.", "e.g."
_NUM = 2  # not a boundary before a digit: "No. 5", "Jan. 20", "p. 55"
_AMBIG = 4  # a boundary only before a common sentence opener: "Co.", "Jr.", "etc."

_TITLES = (
    "mr mrs ms mx dr prof gen sen rep gov lt col capt cmdr cdr sgt maj adm brig cpl pvt spc rev hon pres"
    " supt det insp atty messrs mme mlle msgr fr rt amb gens sens reps govs profs drs lt.col lt.gen"
    " vs v viz cf e.g i.e approx"
)
_BEFORE_NUMBER = (
    "no nos nr n\u00b0 pp vol vols fig figs ch chap art para op ext tel est ca rs ref"
    " jan feb mar apr jun jul aug sep sept oct nov dec"
)
_AMBIGUOUS = (
    "co inc corp ltd plc llc bros jr sr esq etc al dept univ assn intl govt natl mfg"
    " st mt ft pt ave blvd rd sq hwy pl"
    " ala ariz ark calif colo conn del fla ga ind kan kans ky md mich minn mo mont neb nev okla pa penn"
    " tenn tex va vt wis wyo"
    " sec min hr hrs yr yrs mo mos wk oz lb lbs"
)
_ABBREVIATIONS: dict[str, int] = {
    **{word: _NEVER for word in _TITLES.split()},
    **{word: _NUM for word in _BEFORE_NUMBER.split()},
    **{word: _AMBIG for word in _AMBIGUOUS.split()},
    "p": _NUM | _AMBIG,
    "c": _NUM | _AMBIG,
}
# Words that commonly open an English sentence; after an ambiguous abbreviation they mark
# a boundary ("... & Co. It closed"), any other capitalised word does not ("U.S. Government").
_OPENER_WORDS = frozenset(
    (
        "A An The This That These Those There Here It Its He She They We I You His Her Their Our My Your"
        " In On At By For From With Without After Before During Since Until As If When While Where What"
        " Who Whom Whose Why How Which But And Or Nor So Yet Also However Meanwhile Moreover Furthermore"
        " Still Then Now Later Earlier Although Though Because Once Did Do Does Is Are Was Were Can"
        " Could Will Would Should Shall Might Must Has Have Had Not No Yes Some Many Most All Both Each"
        " Every Any Such Other Another One Two Three According Under Over Among Last Next Despite"
        " Instead Even Just Only Please Let To Of Officials Police Authorities Today Yesterday Tomorrow"
    ).split()
)


def split_spans(text: str) -> list[tuple[int, int]]:
    """Return the sentences of ``text`` as ``(start, end)`` character offsets.

    Spans are in order, non-overlapping, non-empty and carry no leading or trailing
    whitespace. ``text`` is expected to be normalised (see :func:`bot.ingest.text.normalise`),
    so every remaining line break is a boundary.

    Parameters
    ----------
    text:
        The normalised text of one article.

    Returns
    -------
    list[tuple[int, int]]
        One ``(start, end)`` pair per sentence; ``text[start:end]`` is the sentence.
    """
    n = len(text)
    first = _NONSPACE.search(text)
    if first is None:
        return []
    start = first.start()
    spans: list[tuple[int, int]] = []
    for m in _CANDIDATE.finditer(text, start):
        kind = m.lastindex  # 1 line break, 3 punctuation (group 2 is the run), 4 bullet, 5 "2)"
        if kind == 3:
            ce = m.end()
            if ce >= n:
                break
            ps = m.start()
            if ps <= start:
                continue  # punctuation opening a sentence (". . . The practice")
            nx = ce + 1
            if text[ce] != " " or nx >= n or text[nx].isspace():
                following = _NONSPACE.search(text, ce)
                if following is None:
                    break
                nx = following.start()
                if "\n" in text[ce:nx]:
                    continue  # the line break is the boundary
            ch = text[nx]
            word_at = nx
            if ch in _OPENERS:
                word_at = nx + 1
                ch = text[word_at] if word_at < n else " "
                if ch.isspace():
                    continue  # a stray quote after a space closes, it does not open: 'it.' "'
            elif ch in _CLOSING:
                continue  # '(a blonde wig? ) setting up', 'jersey?’ ”'
            if ch.islower() and not (nx + 1 < n and text[word_at + 1 : word_at + 2].isupper()):
                continue  # a lower-case continuation ("iPhone" / "eBay" excepted)
            pe = m.end(2)
            if pe - ps == 1 and text[ps] != "\u2026":
                if text[ps] != ".":
                    if ce > pe and _ATTRIBUTION.match(text, nx) and _QUOTES.intersection(text[pe:ce]):
                        continue  # '"Why not?" Ms Reed asked.'
                    spans.append((start, ce))
                    start = nx
                    continue
                ws = text.rfind(" ", start, ps)
                if ps - ws > 7 and ws > start and text.find(".", ws, ps) < 0 and text[ws + 1] not in _OPENERS:
                    # fast path: a word of 7+ characters, no inner dot: not an abbreviation
                    spans.append((start, ce))
                    start = nx
                    continue
                cut = _period(text, start, ps, ce, ch, word_at)
            else:
                cut = _run(text, start, ps, text[ps:pe])
                if cut == (-1, -1) and ce > pe and _ATTRIBUTION.match(text, nx) and _QUOTES.intersection(text[pe:ce]):
                    continue  # '"What?!" Mr Lee asked.'
            if cut is None:
                continue
            end, new_start = cut
            if end == -1:
                end, new_start = ce, nx
            if end > start:
                spans.append((start, _rstrip(text, start, end)))
            start = new_start
        elif kind == 1:
            end = _rstrip(text, start, m.start())
            if end > start:
                spans.append((start, end))
            start = m.end()
        elif kind is None:
            continue  # a run of marks inside a word or number
        elif kind == 4:
            pos = m.start()
            if pos > start:
                spans.append((start, _rstrip(text, start, pos)))
                start = pos
        else:  # 5: "2) " inside a paragraph that started with "1) "
            pos = text.rfind(" ", start, m.start()) + 1
            if pos > start and _continues_list(text, start, text[pos : m.start()]):
                spans.append((start, _rstrip(text, start, pos)))
                start = pos
    end = _rstrip(text, start, n)
    if end > start:
        spans.append((start, end))
    return spans


def split_sentences(text: str) -> list[str]:
    """Return the sentences of ``text`` (see :func:`split_spans`)."""
    return [text[s:e] for s, e in split_spans(text)]


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end


def _period(text: str, start: int, ps: int, ce: int, ch: str, word_at: int) -> tuple[int, int] | None:
    """Decide a single ``.`` followed by a word that is not lower-case.

    Returns ``None`` for no boundary, ``(-1, -1)`` for a boundary after the punctuation, or
    ``(end, new_start)`` for a boundary somewhere else (before an inline list item).
    """
    if ce - start <= 8 and _MARKER.fullmatch(text, start, ce):
        return None  # the sentence so far is a list marker: "1.", "• 9.", "a."
    ws = text.rfind(" ", start, ps)
    tok_start = ws + 1 if ws >= 0 else start
    tok = text[tok_start:ps]
    if not tok:
        return (-1, -1)
    if tok[0] in _OPENERS:
        tok = tok.lstrip(_OPENERS)
    if (
        len(tok) <= 3
        and tok_start > start
        and (tok.isdigit() or (len(tok) == 1 and tok.islower()))
        and _continues_list(text, start, tok)
    ):
        return (tok_start, tok_start)  # "1. first 2. second", "a. first b. second": cut before it
    kind = _ABBREVIATIONS.get(tok.lower(), 0)
    if not kind:
        if len(tok) == 1 and tok.isalpha():
            kind = _AMBIG  # an initial: "George W. Bush", "you and I. Did you"
        elif "." in tok and _INITIALISM.fullmatch(tok):
            kind = _AMBIG  # "U.S.", "a.m."
        else:
            return (-1, -1)
    if kind & _NEVER:
        return None
    if kind & _NUM and ch.isdigit():
        return None
    if kind & _AMBIG:
        if _QUOTES.intersection(text[ps + 1 : ce]):
            return (-1, -1)  # a quotation closes here: 'Prisoner Cell Block H." Labour had'
        word = _WORD.match(text, word_at)
        if word is None or word.group() not in _OPENER_WORDS:
            return None
    return (-1, -1)


def _continues_list(text: str, start: int, tok: str) -> bool:
    """Whether ``tok`` ("2", "b") is the item after the list marker that opens the sentence."""
    marker = _MARKER.match(text, start)
    if marker is None:
        return False
    num = marker.group("num")
    if num is not None:
        return tok.isdigit() and int(tok) == int(num) + 1
    return len(tok) == 1 and ord(tok) == ord(marker.group("let")) + 1


def _run(text: str, start: int, ps: int, run: str) -> tuple[int, int] | None:
    """Decide a run of several punctuation marks followed by a word that is not lower-case."""
    if "?" in run or "!" in run:
        return (-1, -1)  # "Hello!!", "Hello?!"
    if text[ps - 1] == "[":
        return None  # an elision "[...]"
    dots = run.count(".") + 3 * run.count("\u2026")
    if dots >= 4 and run[0] == "." and run[1] == " " and not text[ps - 1].isspace():
        # "compounds. . . . The practice": a full stop, then an ellipsis opening the next one
        return (ps + 1, ps + 2)
    if dots == 3 and " " in run:
        return None  # a spaced ellipsis inside a sentence: "the thing is . . . I didn't mean it"
    return (-1, -1)
