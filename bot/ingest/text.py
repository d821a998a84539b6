"""Text clean-up applied to every article before it is split into sentences.

Two steps, called in this order by the ingest pipeline:

* :func:`normalise` fixes the *characters and whitespace*: Unicode NFC, one kind of line
  ending, no control or invisible formatting characters, plain spaces, single spaces,
  paragraphs separated by exactly one blank line, and stray line breaks inside a paragraph
  joined up.
* :func:`repair_glued` fixes one *typing* defect: two sentences written with no space
  between them (``"soon.Ahead"``), which the sentence splitter could not otherwise see.

NFC rather than NFKC: NFKC would rewrite characters that a verbatim citation should keep
("km²" -> "km2", "½" -> "1⁄2", "…" -> "..."), so only canonical composition is applied and
curly quotes, ellipses and dashes stay as the article wrote them.

Only compiled patterns and constant tables live at module level.
"""

from __future__ import annotations

import itertools
import re
import unicodedata

# Characters removed or replaced by :func:`normalise`. C1 controls (U+0080-U+009F) almost
# always come from Windows-1252 text decoded as Latin-1, so they are mapped back to the
# punctuation they stood for (U+0093 -> a left double quote, U+0085 -> an ellipsis ...).
# fmt: off
_REPLACEMENTS: dict[str, str] = {
    # Windows-1252 characters hiding in the C1 control range.
    "\x80": "\u20ac", "\x82": "\u201a", "\x83": "\u0192", "\x84": "\u201e", "\x85": "\u2026",
    "\x86": "\u2020", "\x87": "\u2021", "\x88": "\u02c6", "\x89": "\u2030", "\x8a": "\u0160",
    "\x8b": "\u2039", "\x8c": "\u0152", "\x8e": "\u017d", "\x91": "\u2018", "\x92": "\u2019",
    "\x93": "\u201c", "\x94": "\u201d", "\x95": "\u2022", "\x96": "\u2013", "\x97": "\u2014",
    "\x98": "\u02dc", "\x99": "\u2122", "\x9a": "\u0161", "\x9b": "\u203a", "\x9c": "\u0153",
    "\x9e": "\u017e", "\x9f": "\u0178",
    # Vertical tab, form feed and the Unicode line/paragraph separators are line breaks.
    "\x0b": "\n", "\x0c": "\n\n", "\u2028": "\n", "\u2029": "\n\n",
    # Unusual spaces become a plain space.
    "\xa0": " ", "\u1680": " ", "\u2000": " ", "\u2001": " ", "\u2002": " ", "\u2003": " ",
    "\u2004": " ", "\u2005": " ", "\u2006": " ", "\u2007": " ", "\u2008": " ", "\u2009": " ",
    "\u200a": " ", "\u202f": " ", "\u205f": " ", "\u3000": " ",
}
# fmt: on
# Everything else matched by _ODD is deleted: C0/C1 controls other than \t and \n, DEL,
# soft hyphen, zero-width space, word joiner, byte-order mark, invisible operators and the
# bidirectional marks/embeddings/isolates. Zero-width (non-)joiners are kept: they are
# meaningful inside emoji sequences and some scripts.
_ODD = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\xa0\xad\u061c\u1680\u180e\u2000-\u200b\u200e\u200f"
    "\u2028-\u202f\u205f-\u2064\u2066-\u2069\u3000\ufeff]"
)
_HSPACE = re.compile(r"[ \t][ \t]+|\t")
_SPACE_AROUND_NL = re.compile(r" ?\n ?")
_MANY_NL = re.compile(r"\n{3,}")
# A line that starts a list item: a bullet or dash, "1." / "1)" / "a)" followed by a space.
_LIST_LINE = re.compile(r"(?:[\u2022\u2023\u2043\u25aa\u25e6\u00b7*\-\u2013\u2014]|\d{1,3}[.)]|[a-zA-Z]\))\s")
# A line shorter than this that does not end in punctuation and is followed by a capitalised
# line is taken as a heading or a list entry, not as a hard-wrapped piece of a sentence.
_SHORT_LINE = 40
_LINE_END_PUNCT = tuple(".,;:!?\u2026-\u2013\u2014\"'\u201d\u2019)]")

# repair_glued: sentence punctuation, optional closing quotes/brackets, then a capitalised
# word with no space in between ("soon.Ahead", 'said."Next', "end.\u201cNext").
_GLUE = re.compile("[.!?][.!?]*+[\"'\u201d\u2019)\\]]*(?=[\u201c\u2018]?[A-Z][a-z])")
_WHITESPACE = re.compile(r"\s")
_DOT_LETTER = re.compile(r"\.[A-Za-z]")
_LETTERS = re.compile(r"[A-Za-z]+")
# Capitalised top-level domains and file extensions are not sentences ("Amazon.Com").
_DOMAIN_WORDS = frozenset({"com", "net", "org", "gov", "edu", "co", "uk", "io", "info", "biz"})


def normalise(text: str) -> str:
    """Return ``text`` with canonical characters and whitespace.

    Applies Unicode NFC; turns CR/LF and CR into LF; deletes control and invisible
    formatting characters (keeping ``\\n`` and ``\\t`` until whitespace is collapsed);
    maps Windows-1252 characters found among the C1 controls back to what they were;
    turns unusual spaces into a plain space; collapses runs of spaces and tabs into one
    space; keeps paragraph breaks as exactly one blank line; joins stray single line breaks
    inside a paragraph (keeping those that separate list items, headings or a block of short
    lines); and strips the result. Curly quotes are kept as they are.

    Parameters
    ----------
    text:
        Raw article text.

    Returns
    -------
    str
        The normalised text; ``""`` when ``text`` holds only whitespace.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if _ODD.search(text):
        text = _ODD.sub(_replace_odd, text)
    # Each substitution is guarded by a plain substring test: clean text skips them all.
    if "  " in text or "\t" in text:
        text = _HSPACE.sub(" ", text)
    if "\n" not in text:
        return text.strip()
    if " \n" in text or "\n " in text:
        text = _SPACE_AROUND_NL.sub("\n", text)
    if "\n\n\n" in text:
        text = _MANY_NL.sub("\n\n", text)
    text = text.strip()
    if text.count("\n") != 2 * text.count("\n\n"):  # some line break is not a paragraph break
        text = "\n\n".join(_join_lines(block) for block in text.split("\n\n"))
    return text


def strip_controls(text: str) -> str:
    """``text`` without control or invisible formatting characters (as :func:`normalise` drops
    them), keeping line breaks and tabs: no terminal escape (ESC, BEL, CSI ...) survives."""
    return _ODD.sub(_replace_odd, text) if _ODD.search(text) else text


def clean_line(text: str) -> str:
    """A one-line field (title, link, date, source): :func:`strip_controls`, then every run of
    whitespace, line breaks included, made one space, and the ends stripped."""
    if text.isprintable() and "  " not in text and text[:1] != " " and text[-1:] != " ":
        return text  # the usual case, in one pass: no control, format or unusual space character
    return " ".join(strip_controls(text).split())


def _replace_odd(match: re.Match[str]) -> str:
    return _REPLACEMENTS.get(match.group(), "")


def _join_lines(block: str) -> str:
    """Join the lines of one paragraph that a line break split in the middle of a sentence."""
    lines = block.split("\n")
    if len(lines) == 1:
        return block
    # Three or more short lines (a list, an address, a table of contents): keep them apart.
    if len(lines) >= 3 and max(len(line) for line in lines[:-1]) < _SHORT_LINE:
        return block
    parts = [lines[0]]
    for prev, line in itertools.pairwise(lines):
        if _LIST_LINE.match(line) or (
            len(prev) < _SHORT_LINE and not prev.endswith(_LINE_END_PUNCT) and line[:1].isupper()
        ):
            parts.append("\n")
        elif prev.endswith("-") and prev[-2:-1].isalpha() and line[:1].islower():
            pass  # a word hyphenated across the break: "well-\nknown" -> "well-known"
        else:
            parts.append(" ")
        parts.append(line)
    return "".join(parts)


def repair_glued(text: str) -> str:
    """Insert the missing space between two sentences typed without one.

    ``"as soon as possible.Ahead of the call"`` becomes ``"as soon as possible. Ahead of
    the call"`` and ``'he said."Next'`` becomes ``'he said." Next'``. Left alone: decimals
    (``3.5``), lower-case continuations (``example.com``, ``www.bbc.co.uk/news``), tokens
    that are URLs or e-mail addresses, dotted names such as ``System.Console.WriteLine``,
    capitalised domains (``Amazon.Com``) and initials (``J.R.R.Tolkien``, ``U.S.Army``).
    Abbreviations followed by a glued word (``Mr.Smith``) do get the space, which the
    sentence splitter handles like any other abbreviation.

    Parameters
    ----------
    text:
        Normalised text (see :func:`normalise`).

    Returns
    -------
    str
        The text with spaces inserted; unchanged when nothing is glued.
    """
    if not _GLUE.search(text):
        return text
    return _GLUE.sub(_unglue, text)


def _unglue(match: re.Match[str]) -> str:
    punct = match.group()
    start = match.start()
    text = match.string
    if start == 0:
        return punct
    prev = text[start - 1]
    if not (prev.isalnum() or prev in "%)]"):
        return punct  # ".NET", "...Then" after a space, etc.
    if prev.isalpha() and (start < 2 or not text[start - 2].isalpha()):
        return punct  # a single letter: an initial ("J.R.R.Tolkien", "U.S.Army")
    end = match.end()
    token_start = max(text.rfind(" ", 0, start), text.rfind("\n", 0, start)) + 1
    space = _WHITESPACE.search(text, end)
    token_end = space.start() if space else len(text)
    token = text[token_start:token_end]
    if "@" in token or "://" in token or "www." in token.lower():
        return punct
    rest = text[end:token_end]
    if _DOT_LETTER.search(rest) or _DOT_LETTER.search(text, token_start, start):
        return punct  # several dotted parts: an identifier or a host name
    word = _LETTERS.match(rest.lstrip("\u201c\u2018"))
    if word and word.group().lower() in _DOMAIN_WORDS:
        return punct
    return punct + " "
