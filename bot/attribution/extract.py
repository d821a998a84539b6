"""Who said what: attribution relations (source, cue, content) found by rules in an article.

Once per article, at index time. For each sentence the cues are found first (verbs of saying,
writing, thinking and reporting, "according to", a transcript's "NAME:"); then, by where the cue
sits, the source (the phrase that says it) and the content (what is said, a direct quotation or
reported speech, which may cross sentences):

* ``“...,” Vance said.`` / ``“...,” said Vance.``: content is the quotation before the cue, from its
  opening mark (which may be sentences back in the paragraph);
* ``Vance said (that) ...`` / ``Vance said: “...”``: content follows the cue to the sentence's end,
  or to the closing mark of a quotation it opens;
* ``..., Vance said.``: content is the clause before; ``According to X, ...`` either way round.

A quotation that goes on in the next sentences of the paragraph, with no cue of its own, is part of
the same statement. Sources that are pronouns ("He further wrote") are resolved to the person the
article last quoted, else the last person it named; "who" to the name before it. The resolved
speaker is one canonical name per person per article (``ArticleNames``). Possessives ("Vance's
office") and objects ("told Vance", "talked with Vance") are never the speaker.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.attribution.lexicon import (
    AUXILIARIES,
    CUE_SETTINGS,
    INVERTING_VERBS,
    NO_COMMENT,
    PARTICIPLES,
    PERSONAL_PRONOUNS,
    SPEECH_VERBS,
)
from bot.attribution.names import NAME_RUN, ArticleNames, head_name, key, pronoun_may_mean

_OPEN = "“\"‘'"
_CLOSE = "”\"’'"
_QUOTE_CHARS = "“”\""


@dataclass(frozen=True, slots=True)
class Span:
    """Character offsets ``[start, end)`` into the text the attribution was found in."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Attribution:
    """One statement: who (``source``, ``None`` when the text does not say), the ``cue``, the
    ``content``; ``speaker`` is the resolved person or organisation, ``None`` for unnamed sources
    ("officials"); ``direct`` for a direct quotation; ``substantive`` is false for statements that
    say nothing ("declined to comment", a transcript's "She said that.")."""

    source: Span | None
    cue: Span
    content: Span
    speaker: str | None
    direct: bool
    substantive: bool = True
    transcript: bool = False  # a line of a transcript ("JOE BIDEN: ...")


def _alternation(words: Sequence[str]) -> str:
    return "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(set(words), key=len, reverse=True))


_WORD = re.compile(r"[\w'’]+")
_VERBS = frozenset(v for v in SPEECH_VERBS if " " not in v)
_PHRASAL = frozenset(tuple(v.split()) for v in SPEECH_VERBS if " " in v)
_PHRASAL_FIRST = frozenset(p[0] for p in _PHRASAL)
_AUX_WORDS = frozenset(AUXILIARIES) | {"not", "never", "did", "does", "do"}
_SETTINGS = tuple(tuple(x.lower().split()) for x in CUE_SETTINGS)
_TRIGGERS = _VERBS | _PHRASAL_FIRST | frozenset(PARTICIPLES) | {"according", "According", "declined", "words"}
# A verb after these is a noun ("his repeated claims") or passive ("was suggested").
_NOT_BEFORE_CUE = frozenset(
    "the a an his her their its our my your these those this that repeated was were is are be been being "
    "when if as after before while once whom which".split()
)
_ACCORDING = re.compile(r"(?<![\w-])(?:according\s+to|in\s+the\s+words\s+of)(?![\w-])", re.IGNORECASE)
_PARTICIPLE = re.compile(r",\s+(?P<verb>" + _alternation(PARTICIPLES) + r")(?![\w-])", re.IGNORECASE)
_TRANSCRIPT = re.compile(r"^(?P<name>[A-Z][A-Z.'’\- ]{1,40}[A-Z.])\s*:\s+")
_NO_COMMENT = re.compile(NO_COMMENT, re.IGNORECASE)
_CLAUSE_WORDS = re.compile(
    r"(?:^|\s)(?:that|when|because|while|as|after|before|since|if|but|and|so|although|though|where|whom"
    r"|which|what|how|why)\s",
    re.IGNORECASE,
)
_END_PUNCT = ".!?;:,"
_PARTICLES = frozenset("de van von da di le la al bin el del der".split())
_COLON_QUOTE = re.compile(r":\s*[“\"]")
_PHRASE = re.compile(r"[^,.;:!?“”\"—]*")
_SETTING_AFTER = re.compile(r"\s(?:in|on|at|during|after|before|while|when|to|last|this|yesterday|today)\s")
_STOP = re.compile(r"[.;!?]")
_TOLD_WHOM = re.compile(
    r"(?:reporters|journalists|supporters|lawmakers|me|us|him|her|them|(?:the|a|an|his|her|their)\s+\w+"
    r"|[A-Z][\w.&'’-]*(?:\s+[A-Z][\w.&'’-]*){0,3})"
    r"(?:\s+(?:on|in|at|during|last|this|earlier)\s+[A-Z]?\w+)?,?\s+(?=[a-z“\"A-Z])"
)
_TOLD_COLON = re.compile(r"[^“\"]{0,60}?[,:]\s*(?=[“\"])")
_SETTING_WORDS = r"(?:on|in|at|during|after|before|last|this|earlier|later|late|early|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"  # noqa: E501
_BEFORE_THAT = re.compile(r"(?:" + _SETTING_WORDS + r"\b[^,.;:“\"]{0,50}?\s)??(?=that\s)", re.IGNORECASE)
_BEFORE_THAT_TELL = re.compile(r"(?:[^,.;:“\"]{0,50}?\s)??(?=that\s)")


@dataclass(frozen=True, slots=True)
class _Cue:
    start: int  # offsets into the sentence
    end: int
    verb: str
    negated: bool
    future: bool = False  # "will say": a preview of what is to be said, not a statement yet


def _cues(sentence: str) -> list[_Cue]:
    """Verbs of saying in ``sentence`` (lower case only: "the United States" holds no cue), each
    with the auxiliaries and adverbs before it ("has also said") and a setting after it ("said in
    a statement")."""
    words = _WORD.findall(sentence)
    if not _TRIGGERS.intersection(words):
        return []
    matches = list(_WORD.finditer(sentence))
    out: list[_Cue] = []
    for i, word in enumerate(words):
        if word not in _VERBS and word not in _PHRASAL_FIRST:
            continue
        last = i
        if word in _VERBS:
            verb = word
        elif i + 1 < len(words) and (word, words[i + 1].lower()) in _PHRASAL:
            verb, last = f"{word} {words[i + 1].lower()}", i + 1
        else:
            continue
        first = i
        while (
            first > 0
            and i - first < 3
            and words[first - 1] in _AUX_WORDS  # lower case only: "in May, said" has no auxiliary
            and not sentence[matches[first - 1].end() : matches[first].start()].strip()
        ):
            first -= 1
        negated = any(
            words[j].lower() in {"not", "never"} or words[j].endswith(("n't", "n’t")) for j in range(first, i)
        )
        end = matches[last].end()
        following = [w.lower() for w in words[last + 1 : last + 5]]
        for setting in _SETTINGS:
            if tuple(following[: len(setting)]) == setting:
                end = matches[last + len(setting)].end()
                break
        future = any(words[j].lower() in {"will", "'ll"} for j in range(first, i))
        out.append(_Cue(matches[first].start(), end, verb, negated, future))
    return out


class _Context:
    """What pronoun resolution needs of the article read so far: the people it last quoted or
    opened a sentence with, most recent last (names worked out on first need)."""

    __slots__ = ("_names", "recent", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self._names: ArticleNames | None = None
        self.recent: list[str | tuple[int, int]] = []  # a quoted person, or a sentence opening with a name

    def canonical(self, name: str) -> str:
        if " " in name and name[:1].isupper():
            return name
        if self._names is None:
            self._names = ArticleNames.of(self.text)
        return self._names.canonical(name)

    def quoted(self, person: str) -> None:
        self._push(person)

    def opened(self, lo: int, hi: int) -> None:
        self._push((lo, hi))

    def _push(self, item: str | tuple[int, int]) -> None:
        self.recent.append(item)
        if len(self.recent) > 8:
            del self.recent[0]

    def candidates(self) -> list[str]:
        """People a pronoun may stand for, the most recent first."""
        out: list[str] = []
        for item in reversed(self.recent):
            if isinstance(item, tuple):
                m = NAME_RUN.match(self.text, item[0], item[1])
                name = head_name(m.group()) if m else None
                item = self.canonical(name) if name else ""
            if item and item not in out:
                out.append(item)
        return out


def extract_attributions(text: str, spans: Sequence[tuple[int, int, int]]) -> tuple[Attribution, ...]:
    """Every attribution in an article: ``text`` and its sentences as ``(start, end, paragraph)``."""
    if not spans:
        return ()
    context = _Context(text)
    found: list[Attribution] = []
    quote_state = (-1, False)  # where an unclosed quotation of this paragraph opened, and if single-quoted
    paragraph = -1
    for lo, hi, para in spans:
        if para != paragraph:
            paragraph, quote_state = para, (-1, False)
        sentence = text[lo:hi]
        quotes: list[tuple[int, int]] = []
        if _QUOTE_MARK.search(sentence):
            quotes, quote_state = _scan_quotes(text, lo, hi, quote_state)
        elif quote_state[0] >= 0:
            quotes = [(quote_state[0], hi)]  # inside a quotation opened earlier
        # Only a verb of saying or a colon can start an attribution (a quotation alone continues one).
        if not _TRIGGERS.intersection(_WORD.findall(sentence)) and not (
            ":" in sentence
            and (_COLON_QUOTE.search(sentence) or sentence.rstrip().endswith(":") or _TRANSCRIPT.match(sentence))
        ):
            if sentence[:1].isupper() and sentence.split(" ", 1)[0].lower() not in _NOT_SUBJECT:
                context.opened(lo, hi)
            continue  # nothing that could be a cue
        here = _sentence_attributions(text, lo, hi, quotes, context)
        found.extend(here)
        if sentence[:1].isupper() and sentence.split(" ", 1)[0].lower() not in _NOT_SUBJECT:
            context.opened(lo, hi)
        for a in here:
            if a.speaker and a.source is not None:
                context.quoted(a.speaker)
    return _extend_quotes(text, spans, tuple(found))


_NOT_SUBJECT = frozenset(
    "the a an this that these those it he she they we i you his her their its but and or if when while as "
    "after before in on at by for from with of to there here what who why how where which".split()
)


# Quotation marks: double ones (two apostrophes stand for one in some wire texts), and single ones
# as British papers use them ('...', ‘...’), told from apostrophes by what stands around them.
_QUOTE_MARK = re.compile(r"''|[“”\"]|(?<![\w’'])[‘'](?=[\w“\"])|(?<=[\w.,!?…])[’'](?![\w])")
_SINGLE_OPEN = frozenset("‘'")


def _scan_quotes(
    text: str, lo: int, hi: int, state: tuple[int, bool]
) -> tuple[list[tuple[int, int]], tuple[int, bool]]:
    """Quotations touching ``text[lo:hi]`` as ``(open, close)`` offsets (close after the mark), given
    ``state`` = (where a quotation still open before ``lo`` opened, -1 for none; whether it is a
    single-quoted one); one still open at ``hi`` closes there. Returns them and the state after."""
    regions: list[tuple[int, int]] = []
    start, single = state
    for m in _QUOTE_MARK.finditer(text, lo, hi):
        mark, j = m.group(), m.start()
        if mark in ("‘", "’", "'"):
            opening = mark in _SINGLE_OPEN and (j == 0 or not (text[j - 1].isalnum() or text[j - 1] in "’'.,!?…"))
            if start < 0 and opening:
                start, single = j, True
            elif start >= 0 and single and not opening:
                regions.append((start, m.end()))
                start = -1
            continue
        if mark == "“" or (start < 0 and mark in ('"', "''")):
            if start < 0 or single:
                start, single = j, False
        elif start >= 0 and not single:
            regions.append((start, m.end()))
            start = -1
    end_state = (start, single)
    if start >= 0:
        regions.append((start, hi))
    return regions, end_state


def _sentence_attributions(
    text: str,
    lo: int,
    hi: int,
    quotes: list[tuple[int, int]],
    context: _Context,
) -> list[Attribution]:
    sentence = text[lo:hi]
    # ``quotes``: the quotations touching the sentence (``_scan_quotes``)
    inside = [(max(a, lo), b) for a, b in quotes]
    out: list[Attribution] = []
    transcript = _TRANSCRIPT.match(sentence)
    if transcript:
        name = transcript.group("name").strip()
        content = Span(lo + transcript.end(), _trim_end(text, lo + transcript.end(), hi))
        speaker = context.canonical(" ".join(w.capitalize() for w in name.split()))
        words = len(text[content.start : content.end].split())
        out.append(
            Attribution(Span(lo, lo + len(name)), Span(lo + len(name), lo + len(name) + 1), content, speaker,
                        direct=True, substantive=words >= 8, transcript=True)
        )  # fmt: skip
        return out
    for m in _ACCORDING.finditer(sentence):
        a = _according(text, lo, hi, m, context)
        if a:
            out.append(a)
    taken = [(a.cue.start, a.cue.end) for a in out] + [(a.source.start, a.source.end) for a in out if a.source]
    for cue in _cues(sentence):
        cs, ce = lo + cue.start, lo + cue.end
        if any(a <= cs < b for a, b in inside) or any(a <= cs < b for a, b in taken):
            continue  # a verb inside a quotation, or part of a cue already found
        if cue.negated:
            continue  # "Vance did not say ..."
        previous = sentence[: cue.start].split()[-1:]
        if previous and previous[0].lower().strip(",") in _NOT_BEFORE_CUE:
            continue
        a = _verb_attribution(text, lo, hi, cs, ce, cue.verb, quotes, context)
        if a and cue.future:
            a = dataclasses.replace(a, substantive=False)  # ranks after what was said
        if a:
            out.append(a)
            taken.append((a.cue.start, a.cue.end))
            named = a.source is not None and text[a.source.start : a.source.end].lower() not in PERSONAL_PRONOUNS
            if a.speaker and named:
                context.quoted(a.speaker)  # "Trump asserted ...: “...,” he claimed."
    p = _PARTICIPLE.search(sentence)
    if p:
        # "Clinton posted a comment, saying, “...”": the participle's statement replaces a cue
        # whose content would swallow it.
        a = _participle(text, lo, hi, p, quotes, context)
        if a:
            at = lo + p.start("verb")
            out = [b for b in out if not b.content.start <= at < b.content.end]
            out.append(a)
    if not out:
        colon = _COLON_QUOTE.search(sentence)
        region = next((q for q in quotes if colon and q[0] == lo + colon.end() - 1), None)
        if colon and region is not None:
            # "Ida Marsh put it simply: “...”", "... surprise pollster Daron Shaw: “...”"
            lead = sentence[: colon.start()].rstrip()
            runs = list(NAME_RUN.finditer(lead))
            m = runs[-1] if runs and runs[-1].end() == len(lead) else NAME_RUN.match(lead)
            if m is not None and m.end() != len(lead) and len(lead.split()) > 10:
                m = None  # a name opening a long clause before the colon is not its source
            if m is not None and head_name(m.group()):
                src, said = Span(lo + m.start(), lo + m.end()), Span(region[0], region[1])
                out.append(Attribution(src, Span(lo + colon.start(), lo + colon.start() + 1), said,
                                       _resolve(text, src, context, said), direct=True,
                                       substantive=_substantive(text, said)))  # fmt: skip
    if not out and sentence.rstrip().endswith(":") and len(sentence.split()) <= 8:
        # "17-year-old Jared Potts echoed:" and a quotation as the next paragraph.
        words = list(_WORD.finditer(sentence))
        block = _quote_after_colon(text, lo + words[-1].end(), hi) if len(words) >= 2 else None
        if block is not None:
            cue = Span(lo + words[-1].start(), lo + words[-1].end())
            src = _source_before(text, lo, cue.start)
            if src is not None and NAME_RUN.search(text, src.start, src.end):
                out.append(Attribution(src, cue, block, _resolve(text, src, context, block), direct=True,
                                       substantive=_substantive(text, block)))  # fmt: skip
    if not out:
        nc = _NO_COMMENT.search(sentence)
        if nc:
            src = _source_before(text, lo, lo + nc.start())
            if src:
                speaker = _resolve(text, src, context, None)
                out.append(Attribution(src, Span(lo + nc.start(), lo + nc.end()), Span(lo + nc.start(), lo + nc.end()),
                                       speaker, direct=False, substantive=False))  # fmt: skip
    return out


def _quote_after_colon(text: str, ce: int, hi: int) -> Span | None:
    """The quotation a sentence ending in a colon introduces as the next paragraph ("Cruz
    continued:" / "“...”"): from its opening mark to its closing one (or the paragraph's end)."""
    tail = text[ce:hi]
    if not tail.rstrip().endswith(":") or len(tail.split()) > 6 or hi >= len(text):
        return None
    start = hi + 1
    while start < len(text) and text[start] in " \n:":
        start += 1
    if start >= len(text) or text[start] not in _OPEN or "\n\n" not in text[hi:start]:
        return None
    para_end = text.find("\n\n", start)
    para_end = len(text) if para_end < 0 else para_end
    close = text.find("”", start + 1, para_end)
    if close < 0:
        close = text.find('"', start + 1, para_end)
    end = close + 1 if close >= 0 else _trim_end(text, start, para_end) + 1
    return Span(start, min(end, para_end))


def _trim_end(text: str, start: int, end: int) -> int:
    """``end`` moved left past trailing spaces and sentence punctuation (not a closing quotation mark)."""
    while end > start and (text[end - 1].isspace() or text[end - 1] in _END_PUNCT):
        end -= 1
    return end


def _trim_start(text: str, start: int, end: int) -> int:
    while start < end and (text[start].isspace() or text[start] in ",:;—–-"):
        start += 1
    return start


def _source_before(text: str, lo: int, cue_start: int) -> Span | None:
    """The noun phrase right before a cue ("US Vice President JD Vance" in "Ahead of the call, US
    Vice President JD Vance said"), with an appositive ("Peskov, the Kremlin spokesman,")."""
    end = cue_start
    while end > lo and text[end - 1].isspace():
        end -= 1
    if end <= lo:
        return None
    left = text[lo:end]
    # Never across a quotation mark, a dash or a semicolon.
    apostrophes = left.rfind("''")
    cut = max(max(left.rfind(c) for c in "“”\";—–()"), apostrophes + 1 if apostrophes >= 0 else -1)
    left_start = lo + cut + 1 if cut >= 0 else lo
    segment = text[left_start:end]
    # Comma-separated chunks: take the last; an appositive ("the Kremlin spokesman", "69", "a
    # Republican who ...") is joined to the name before it.
    chunks = segment.split(",")
    i = len(chunks) - 1
    if not chunks[i].strip() and i > 0:
        i -= 1  # "Peskov, the Kremlin spokesman, said": the appositive closes with a comma
    first = i
    while first > 0 and _appositive(chunks[first]) and NAME_RUN.search(chunks[first - 1]):
        if len(chunks[first - 1].split()) > 8:
            break
        first -= 1
    last = ",".join(chunks[first:])
    offset = end - len(last)
    if not last.strip():
        return None
    # Inside the chunk, the phrase starts after the last clause word ("... when Trump said").
    cm = None
    for cm in _CLAUSE_WORDS.finditer(last):  # noqa: B007 (the last one is wanted)
        pass
    if cm is not None and not _is_appositive_clause(last, cm.start()):
        offset += cm.end()
        last = last[cm.end() :]
    words = last.split()
    if not words or len(words) > (24 if "," in last else 14):
        return None
    start = offset + (len(last) - len(last.lstrip()))
    stop = end
    while stop > start and text[stop - 1] in ", ":
        stop -= 1
    if stop <= start:
        return None
    return Span(start, stop)


def _appositive(chunk: str) -> bool:
    """A chunk that describes the name before it: lower case ("the Kremlin spokesman"), an age
    ("69"), or "a/an/the ..."."""
    words = chunk.split()
    if not words:
        return False
    if len(words) > 1 and words[0] in _PARTICLES and words[1][:1].isupper():
        return False  # "de Blasio"
    return words[0][:1].islower() or words[0].isdigit() or words[0].lower() in {"a", "an", "the"}


def _is_appositive_clause(chunk: str, at: int) -> bool:
    """A clause word inside a source's appositive ("a Republican who ..."): keep the whole chunk."""
    return chunk[at:].lstrip().lower().startswith(("who ", "which ")) and "," in chunk


def _source_after(text: str, start: int, hi: int) -> Span | None:
    """The phrase right after an inverted cue ("said Dmitry Peskov, the Kremlin spokesman.")."""
    s = start
    while s < hi and text[s].isspace():
        s += 1
    rest = text[s:hi]
    m = _PHRASE.match(rest)
    if not m or not m.group().strip():
        return None
    phrase = m.group()
    # Stop before a setting or time ("said Vance in Rome on Monday").
    cut = _SETTING_AFTER.search(phrase)
    if cut:
        phrase = phrase[: cut.start()]
    phrase = phrase.rstrip()
    if not phrase or len(phrase.split()) > 8:
        return None
    return Span(s, s + len(phrase))


def _resolve(
    text: str,
    source: Span,
    context: _Context,
    content: Span | None,
) -> str | None:
    """The speaker a source phrase stands for: its name made canonical; a pronoun's person."""
    phrase = text[source.start : source.end].strip()
    low = phrase.lower()
    if low in PERSONAL_PRONOUNS:
        quoted = text[content.start : content.end].lower() if content else ""
        for person in context.candidates()[:3]:
            if key(person).split()[-1] not in quoted and pronoun_may_mean(person, low):
                return person
        return None
    if low == "who":
        before = text[max(0, source.start - 80) : source.start].rstrip(", ")
        runs = list(NAME_RUN.finditer(before))
        if runs and runs[-1].end() >= len(before) - 1:
            name = head_name(runs[-1].group())
            return context.canonical(name) if name else None
        return None
    name = head_name(phrase)
    return context.canonical(name) if name else None


def _verb_attribution(
    text: str,
    lo: int,
    hi: int,
    cs: int,
    ce: int,
    verb: str,
    quotes: list[tuple[int, int]],
    context: _Context,
) -> Attribution | None:
    cue = Span(cs, ce)
    before = text[lo:cs].rstrip()
    # A quotation that ends right before the cue (", ” Vance said" / ",” said Vance").
    quote_before = next((q for q in reversed(quotes) if q[1] <= cs and not text[q[1] : cs].strip(" ,")), None)
    quote_before_src = None
    if quote_before is None:
        # "“...,” Vance said": the source sits between the closing mark and the cue.
        for q in reversed(quotes):
            if q[1] <= cs:
                between = text[q[1] : cs]
                if len(between.split()) <= 8 and not _STOP.search(between):
                    quote_before, quote_before_src = q, Span(q[1], cs)
                break
    inverted = verb in INVERTING_VERBS and (before.endswith((",", "”", '"')) or quote_before is not None)
    if quote_before is not None:
        if quote_before_src is not None and text[quote_before_src.start : quote_before_src.end].strip(" ,"):
            source = _source_before(text, quote_before_src.start, cs)
        elif inverted:
            source = _source_after(text, ce, hi)
        else:
            source = None
        if source is None:
            return None
        end = quote_before[1]
        # "“Judge,” Brafman said, “I have never ...”": the quotation resumes after the cue.
        resume = max(ce, source.end)
        following = next((q for q in quotes if q[0] >= resume and not text[resume : q[0]].strip(" ,:")), None)
        if following is not None:
            end = following[1]
        content = Span(quote_before[0], end)
        speaker = _resolve(text, source, context, content)
        return Attribution(source, cue, content, speaker, direct=True, substantive=_substantive(text, content))
    if inverted and before.endswith(","):
        source = _source_after(text, ce, hi)
        rest = text[source.end : hi].strip() if source is not None else ""
        # "..., said Vance." / "..., said Vance, the vice president.": the name ends the sentence;
        # "Marsh, who ..., said the towpath would reopen" is not inverted.
        if source is not None and (not rest.strip(".!?\"”") or rest.startswith(",")):
            content = Span(_trim_start(text, lo, cs), _trim_end(text, lo, len(before) + lo))
            if content.end > content.start:
                speaker = _resolve(text, source, context, content)
                return Attribution(source, cue, content, speaker, direct=False,
                                   substantive=_substantive(text, content))  # fmt: skip
    source = _source_before(text, lo, cs)
    if source is None:
        return None
    block = _quote_after_colon(text, ce, hi)
    if block is not None:  # "Cruz continued:" and the quotation as the next paragraph
        speaker = _resolve(text, source, context, block)
        return Attribution(source, cue, block, speaker, direct=True, substantive=_substantive(text, block))
    # Content after the cue: an object ("told reporters"), then "that ...", a quotation, or the clause.
    rest_start = _trim_start(text, ce, hi)
    after = text[rest_start:hi]
    opening = next((q for q in quotes if q[0] >= ce and not text[ce : q[0]].strip(" ,:")), None)
    if opening is not None:
        content = Span(opening[0], opening[1])
        direct = True
    else:
        # "told reporters on Monday that ...", "said in a statement that ...": only an object or a
        # setting may stand between the cue and "that" ("said he had come to the conclusion that"
        # is reported speech from "he" on).
        that = re.match(_BEFORE_THAT_TELL if verb.startswith(("told", "tell")) else _BEFORE_THAT, after)
        start = rest_start + (that.end() if that else 0)
        if verb.startswith(("told", "tell")) and not that:
            # "told reporters: “...”", or "told reporters the bridge would stay" (no "that").
            colon = _TOLD_COLON.match(after) or _TOLD_WHOM.match(after)
            if not colon or len(after[colon.end() :].split()) < 4:
                return None
            start = rest_start + colon.end()
        end = _trim_end(text, start, hi)
        if end - start < 2:
            # "..., Vance said." with nothing after: the clause before is the content.
            end2 = _trim_end(text, lo, source.start)
            if end2 - lo < 3:
                return None
            content = Span(_trim_start(text, lo, end2), end2)
        else:
            content = Span(start, end)
        direct = text[content.start] in _OPEN or text.startswith("''", content.start)
    speaker = _resolve(text, source, context, content)
    return Attribution(source, cue, content, speaker, direct=direct, substantive=_substantive(text, content))


def _according(text: str, lo: int, hi: int, m: re.Match[str], context: _Context) -> Attribution | None:
    cs, ce = lo + m.start(), lo + m.end()
    source = _source_after(text, ce, hi)
    if source is None:
        return None
    after_src = text[source.end : hi]
    if after_src.lstrip().startswith(","):
        start = _trim_start(text, source.end, hi)
        content = Span(start, _trim_end(text, start, hi))
    else:
        content = Span(_trim_start(text, lo, cs), _trim_end(text, lo, cs))
    if content.end - content.start < 3:
        return None
    speaker = _resolve(text, source, context, content)
    return Attribution(source, Span(cs, ce), content, speaker, direct=False, substantive=_substantive(text, content))


def _participle(
    text: str,
    lo: int,
    hi: int,
    p: re.Match[str],
    quotes: list[tuple[int, int]],
    context: _Context,
) -> Attribution | None:
    """"Trump hit back, saying ...": the subject of the main clause says what follows."""
    cs, ce = lo + p.start("verb"), lo + p.end("verb")
    m = NAME_RUN.match(text, _trim_start(text, lo, hi))
    if m is None:
        return None
    first = text[m.start() : m.end()]
    if first.lower() in PERSONAL_PRONOUNS:
        source = Span(m.start(), m.end())
    else:
        name = head_name(first)
        if not name:
            return None
        source = Span(m.start(), m.end())
    start = _trim_start(text, ce, hi)
    content = Span(start, _trim_end(text, start, hi))
    if content.end - content.start < 3:
        return None
    speaker = _resolve(text, source, context, content)
    return Attribution(source, Span(cs, ce), content, speaker, direct=text[content.start] in _OPEN,
                       substantive=_substantive(text, content))  # fmt: skip


def _substantive(text: str, content: Span) -> bool:
    said = text[content.start : content.end]
    return len(said.split()) >= 5 and not _NO_COMMENT.search(said)


def _run_on(
    text: str, spans: Sequence[tuple[int, int, int]], starts: list[int], cues: list[int], a: Attribution
) -> Attribution:
    """A direct quotation goes on to its closing mark in the next sentences of its paragraph, and
    on through the sentences after it that open a quotation and hold no cue of their own ("“...,”
    she said. “But ...”")."""
    end = a.content.end
    i = bisect.bisect_right(starts, end - 1)
    state = _scan_quotes(text, a.content.start, end, (-1, False))[1]
    while i < len(spans):
        lo, hi, para = spans[i]
        if i == 0 or para != spans[i - 1][2]:
            break
        if state[0] < 0:  # closed: only a new quotation with no cue of its own goes on
            k = bisect.bisect_left(cues, lo)
            if text[lo] not in _OPEN or (k < len(cues) and cues[k] < hi):
                break
        regions, state = _scan_quotes(text, lo, hi, state if state[0] < 0 else (lo, state[1]))
        end = regions[-1][1] if regions else hi
        i += 1
    if end <= a.content.end:
        return a
    return Attribution(a.source, a.cue, Span(a.content.start, end), a.speaker, a.direct, a.substantive, a.transcript)


def _extend_quotes(
    text: str, spans: Sequence[tuple[int, int, int]], found: tuple[Attribution, ...]
) -> tuple[Attribution, ...]:
    """Direct quotations run on (``_run_on``): each is one statement to its end."""
    cues = sorted(a.cue.start for a in found)
    starts = [lo for lo, _, _ in spans]
    return tuple(_run_on(text, spans, starts, cues, a) if a.direct else a for a in found)
