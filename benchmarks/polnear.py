"""PolNeAR loader: articles of a split, each annotator's attributions, and who the sources are.

Data (read by path, never copied): ``../shared/data/polnear`` (see its SOURCE.md). Pure Python,
no import from ``bot``: the attribution benchmark's baseline child process imports it too.

* ``load_split(root, "dev")`` -> ``PolArticle`` values in file-name order: the raw text (annotation
  offsets index it), metadata and one ``Annotation`` per annotator file.
* An ``Attribution`` is one ``E`` line of a brat ``.ann`` file: its source, cue and content spans
  (a span may be discontinuous, ``"s e;s e"``; a few relations have a second content,
  ``Content2``). ``Discuss``/``Discard`` spans and ``#`` notes are skipped; so are span texts
  that run over several lines (the offsets are what count, the text is read from the article).
* ``speaker``: the person a source names, pronouns resolved (``resolve_speakers``), as a
  corpus-wide key ``"first surname"`` (lower case; ``"surname"`` when no first name is known).

Resolution rules (heuristics over the annotations, not gold coreference):

* A source names a person when, after cutting an appositive (the part after the first comma), it
  ends in a run of capitalised name words ("Republican nominee Donald Trump" -> "Donald Trump"),
  and the article shows the run's last word (the surname) with a first name or a personal title
  ("Mr.", "Sen.", "President" ...) somewhere; a run that ends in an organisation word ("Post",
  "News", "Watch" ...) or a possessive ("Trump's") is not a person.
* Within an article a person is (first name, surname); a bare or titled surname goes to the person
  of that surname whose full name the article prints most often. The canonical form is the
  longest form printed in the article ("Donald J. Trump").
* ``who`` resolves to the name printed just before it; ``I``/``me``/``my``/``we`` inside another
  attribution's content resolve to that attribution's speaker; ``he``/``she``/``him``/``his``/
  ``her`` resolve to the nearest preceding person source of a compatible gender (gender from
  "Mr."/"Mrs."/"Ms." titles, else from a first pass that counts which pronouns point to whom).
"""

from __future__ import annotations

import csv
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "polnear"

_MALE = frozenset({"he", "him", "his", "himself"})
_FEMALE = frozenset({"she", "her", "hers", "herself"})
_FIRST_PERSON = frozenset({"i", "me", "my", "myself"})
_RELATIVE = frozenset({"who", "whom", "whose"})
PRONOUNS = _MALE | _FEMALE | _FIRST_PERSON | _RELATIVE | frozenset(
    {"we", "us", "our", "they", "them", "their", "it", "its", "you", "your", "which", "that", "this"}
)
_MALE_TITLES = frozenset({"mr", "mr.", "sir"})
_FEMALE_TITLES = frozenset({"mrs", "mrs.", "ms", "ms.", "miss", "madam"})
# Words that may stand before a surname without being a first name.
TITLES = _MALE_TITLES | _FEMALE_TITLES | frozenset(
    "dr dr. sen sen. senator rep rep. representative gov gov. governor president vice former gen gen. "
    "general secretary speaker judge justice attorney rev rev. reverend chairman chairwoman chief "
    "mayor congressman congresswoman candidate nominee leader lt. col. capt. sgt. prof. professor "
    "gop republican republicans democrat democratic democrats sens. reps. ambassador commissioner "
    "director adviser advisor spokesman spokeswoman host anchor pastor bishop pope ceo chair "
    "minister premier chancellor".split()
)
# Capitalised words that open a sentence or a phrase and are never a first name.
_NOT_FIRST = frozenset(
    "the a an but and or so if when while as at in on for with by from to of after before since because "
    "although though yet then now still also even just only both neither either not no this that these "
    "those his her their its our my your what why how where who which last next new late early u.s. "
    "monday tuesday wednesday thursday friday saturday sunday january february march april may june july "
    "august september october november december jan. feb. mar. apr. aug. sept. oct. nov. dec. said says "
    "told asked added according".split()
)
# A run ending in one of these names an organisation or a group, not a person.
_ORG_WORDS = frozenset(
    "post times journal news press network party campaign committee department administration house "
    "court institute university college center centre foundation watch group council association agency "
    "service bureau office inc inc. corp corp. co co. review magazine street polling poll survey "
    "republicans democrats americans voters media tv radio cnn msnbc abc nbc cbs fox twitter facebook "
    "politico breitbart reuters bloomberg senate congress clinic hospital fund project pac team staff "
    "state states city county nation army police board commission union today daily weekly "
    "monitor tribune herald globe gazette examiner observer report caucus coalition alliance action "
    "club society trust bank company industries partners consult statement ad ads poll nations sea".split()
)
_NAME_TOKEN = re.compile(
    r"^(?:[A-Z]\.(?:[A-Z]\.)?|(?:[A-Z]['\u2019])?[A-Z][a-zà-ÿ]+(?:[A-Z][a-zà-ÿ]+)*(?:-[A-Z][a-zà-ÿ]+(?:[A-Z][a-zà-ÿ]+)*)*)$"
)
_WORD = re.compile(r"[A-Za-z][\w.'\u2019-]*[\w.]|[A-Za-z]")
_POSSESSIVE = re.compile(r"['\u2019]s?$")


@dataclass(frozen=True, slots=True)
class Span:
    """A span of the raw text: one or more ``(start, end)`` pieces (discontinuous when more)."""

    pieces: tuple[tuple[int, int], ...]

    @property
    def start(self) -> int:
        return self.pieces[0][0]

    @property
    def end(self) -> int:
        return self.pieces[-1][1]

    def text(self, article: str) -> str:
        """The span's text (pieces joined by a space)."""
        return " ".join(article[s:e] for s, e in self.pieces)


@dataclass(frozen=True, slots=True)
class Attribution:
    """One annotated attribution relation; ``speaker`` is filled by ``resolve_speakers``."""

    id: str
    source: Span | None
    cue: Span | None
    contents: tuple[Span, ...]
    speaker: str | None = None


@dataclass(frozen=True, slots=True)
class Annotation:
    """One annotator's attributions of one article, in file order."""

    annotator: str
    attributions: tuple[Attribution, ...]


@dataclass(frozen=True, slots=True)
class PolArticle:
    """A PolNeAR article: raw text, metadata and every annotator's attributions."""

    name: str
    split: str
    text: str
    title: str
    publisher: str
    published: str
    author: str
    annotations: tuple[Annotation, ...]
    names: dict[str, str]  # person key -> canonical name as printed in this article


def parse_span(field: str) -> Span:
    """``"12 30"`` or ``"12 20;25 30"`` -> ``Span``."""
    pieces = []
    for part in field.split(";"):
        start, end = part.split()
        pieces.append((int(start), int(end)))
    return Span(tuple(sorted(pieces)))


def parse_ann(content: str) -> tuple[Attribution, ...]:
    """The attributions of a brat ``.ann`` file (``E`` lines resolved to their ``T`` spans)."""
    spans: dict[str, tuple[str, Span]] = {}
    events: list[tuple[str, list[tuple[str, str]]]] = []
    for line in content.splitlines():
        fields = line.split("\t")
        if len(fields) < 2:
            continue  # the rest of a span text that ran over several lines
        ident, body = fields[0], fields[1]
        if ident.startswith("T") and ident[1:].isdigit():
            kind, _, offsets = body.partition(" ")
            spans[ident] = (kind, parse_span(offsets))
        elif ident.startswith("E") and ident[1:].isdigit():
            events.append((ident, [tuple(arg.split(":", 1)) for arg in body.split()]))  # type: ignore[misc]
    out = []
    for ident, args in events:
        source = cue = None
        contents = []
        for role, ref in args:
            if ref not in spans:
                continue
            span = spans[ref][1]
            if role == "Source":
                source = span
            elif role == "Cue":
                cue = span
            elif role.startswith("Content"):
                contents.append(span)
        out.append(Attribution(ident, source, cue, tuple(contents)))
    return tuple(out)


def load_split(root: Path, split: str, *, limit: int | None = None) -> list[PolArticle]:
    """Every article of ``split`` (or the first ``limit`` by file name), speakers resolved."""
    folder = root / split
    if not (folder / "text").is_dir():
        raise SystemExit(f"no PolNeAR split {split!r} under {root} (expected {folder / 'text'})")
    meta: dict[str, dict[str, str]] = {}
    with (root / "metadata.tsv").open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            meta[row["filename"]] = row
    files: dict[str, list[Path]] = defaultdict(list)
    for path in sorted((folder / "attributions").glob("*.ann")):
        files[path.stem.rsplit("_", 1)[0]].append(path)
    names = sorted(p.stem for p in (folder / "text").glob("*.txt"))[:limit]
    articles = []
    for name in names:
        text = (folder / "text" / f"{name}.txt").read_text(encoding="utf-8")
        row = meta.get(name, {})
        annotations = tuple(
            Annotation(p.stem.rsplit("_", 1)[1], parse_ann(p.read_text(encoding="utf-8"))) for p in files[name]
        )
        articles.append(PolArticle(
            name=name, split=split, text=text, title=row.get("title") or name, publisher=row.get("publisher", ""),
            published=row.get("publication_date", ""), author=row.get("author", ""), annotations=annotations, names={},
        ))
    return resolve_speakers(articles)


# --- who the sources are -------------------------------------------------------------------


def _words(text: str) -> list[tuple[str, int, int]]:
    return [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]


def _is_name_word(word: str) -> bool:
    low = word.lower()
    return bool(_NAME_TOKEN.match(word)) and low not in _NOT_FIRST and low not in TITLES and low not in PRONOUNS


def _is_initial(word: str) -> bool:
    return word.endswith(".")


def name_run(source: str) -> list[str] | None:
    """The capitalised name words that end a source or one of its comma-separated parts, or ``None``.

    "Republican nominee Donald Trump" -> ["Donald", "Trump"]; "Carter's press secretary, Peter
    Cook" -> ["Peter", "Cook"]; "The Clinton campaign" -> None; an all-capitals transcript name
    ("PENCE") is title-cased.
    """
    for part in re.sub(r"\s*\([^)]*\)", "", source).split(","):
        head = re.split(r"\s+(?:who|which|that)\b", part.strip(), maxsplit=1)[0]
        if run := _trailing_name(head):
            return run
    return None


def _trailing_name(head: str) -> list[str] | None:
    words = [w.title() if w.isupper() and len(w) > 3 else w for w, _, _ in _words(head)]
    if not words or _POSSESSIVE.search(words[-1]):
        return None
    run: list[str] = []
    for word in reversed(words):
        if not _is_name_word(word) or _POSSESSIVE.search(word):
            break
        run.append(word)
    run.reverse()
    if not run or run[-1].lower() in _ORG_WORDS or len(run) > 4 or _is_initial(run[-1]):
        return None
    return run


def _first_name(words: Sequence[str]) -> str | None:
    """The first name in the name words before a surname: the last one, skipping initials."""
    for word in reversed(words):
        if not _is_initial(word):
            return word if word.lower() not in _ORG_WORDS and not word.isupper() else None
    return None


def _printed_forms(text: str, surname: str) -> list[tuple[tuple[str, ...], str | None, bool]]:
    """Each printing of ``surname`` in ``text``: the name words before it (first name, initials),
    the title before those, if any, and whether the first name opens a sentence (where it may be
    any capitalised word)."""
    out = []
    for m in re.finditer(rf"(?<![\w-]){re.escape(surname)}(?![\w-])", text):
        lo = max(0, m.start() - 60)
        window = text[lo : m.start()]
        names: list[str] = []
        title = None
        first_at = m.start()
        for word, start, end in reversed(_words(window)):
            if window[end:first_at - lo] != " ":  # only a single space between the words
                break
            if _is_name_word(word) and len(names) < 2 and not (names and not _is_initial(names[-1])):
                names.append(word)
                first_at = lo + start
                continue
            if word.lower() in TITLES:
                title = word.lower()
            break
        names.reverse()
        first = _first_name(names)
        names = names[names.index(first):] if first else []
        opener = text[:first_at].rstrip(" \t")
        out.append((tuple(names), title, not opener or opener[-1] in ".!?\"\u201c\u201d\n:"))
    return out


@dataclass(slots=True)
class _Person:
    key: str
    forms: Counter[str]
    male: int = 0
    female: int = 0


def _article_people(
    text: str, sources: Iterable[str], known: frozenset[str]
) -> tuple[dict[str, _Person], dict[tuple[str, ...], str]]:
    """The people named by the article's sources, and the person key of each name run.

    A surname never printed with a first name or a title counts only if it is in ``known``
    (surnames of people found in other articles).
    """
    people: dict[str, _Person] = {}
    run_key: dict[tuple[str, ...], str] = {}
    runs = {tuple(r) for s in sources if (r := name_run(s))}
    by_surname: dict[str, list[str]] = {}
    for surname in {r[-1] for r in runs}:
        printed = _printed_forms(text, surname)
        firsts: Counter[str] = Counter()
        titles: Counter[str] = Counter()
        in_runs = {_first_name(r[:-1]) for r in runs if r[-1] == surname}
        inside: Counter[str] = Counter(names[0] for names, _t, opener in printed if names and not opener)
        for names, title, opener in printed:
            if names and (not opener or names[0] in in_runs):
                firsts[names[0]] += 1
            if title:
                titles[title] += 1
        for first in list(firsts):  # "Many Mexicans", "Help Russia": a word the article also writes in lower case
            if inside[first] < 2 and re.search(rf"(?<![\w-]){re.escape(first.lower())}(?![\w-])", text):
                del firsts[first]
        if not firsts and not titles and surname.lower() not in known:
            continue  # never printed with a first name or a title: an organisation, a place ...
        keys = []
        for first, _ in firsts.most_common():
            key = f"{first} {surname}".lower()
            person = people.setdefault(key, _Person(key, Counter()))
            for names, _title, _opener in printed:
                if names and names[0] == first:
                    person.forms[" ".join((*names, surname))] += 1
            keys.append(key)
        if not keys:
            key = surname.lower()
            people[key] = _Person(key, Counter({surname: 1}))
            keys.append(key)
        by_surname[surname] = keys
        if len(keys) == 1:
            person = people[keys[0]]
            person.male += sum(titles[t] for t in _MALE_TITLES)
            person.female += sum(titles[t] for t in _FEMALE_TITLES)
    for run in runs:
        keys = by_surname.get(run[-1])
        if not keys:
            continue
        first = _first_name(run[:-1])
        match = f"{first} {run[-1]}".lower()
        run_key[run] = match if first and match in people else keys[0]
    return people, run_key


def _source_texts(article: PolArticle) -> list[str]:
    """Every source text of the article, plus the words before each ``who`` (its antecedent)."""
    text = article.text
    out = []
    for ann in article.annotations:
        for att in ann.attributions:
            if att.source:
                words = att.source.text(text)
                out.append(_antecedent(text, att.source.start) if words.strip().lower() in _RELATIVE else words)
    return out


def resolve_speakers(articles: Sequence[PolArticle]) -> list[PolArticle]:
    """Fill each attribution's ``speaker`` (see the module notes) and each article's ``names``."""
    sources = [_source_texts(a) for a in articles]
    first_pass = [_article_people(a.text, s, frozenset()) for a, s in zip(articles, sources, strict=True)]
    known = frozenset(k.rsplit(" ", 1)[-1] for people, _ in first_pass for k in people if " " in k)
    per_article = [_article_people(a.text, s, known) for a, s in zip(articles, sources, strict=True)]
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for people, _ in per_article:
        for person in people.values():
            votes[person.key]["male"] += person.male
            votes[person.key]["female"] += person.female
    # First pass without gender; the pronouns that point to a person vote on its gender.
    for article, found in zip(articles, per_article, strict=True):
        for ann in _resolve_article(article, found, {}):
            for att in ann.attributions:
                if att.speaker and att.source:
                    word = att.source.text(article.text).strip().lower()
                    if word in _MALE:
                        votes[att.speaker]["he"] += 1
                    elif word in _FEMALE:
                        votes[att.speaker]["she"] += 1
    gender = {}
    for key, v in votes.items():
        male, female = v["male"] * 5 + v["he"], v["female"] * 5 + v["she"]
        if male >= 2 * female and male >= 2:
            gender[key] = "m"
        elif female >= 2 * male and female >= 2:
            gender[key] = "f"
    resolved = [_resolve_article(a, found, gender) for a, found in zip(articles, per_article, strict=True)]
    # A surname-only person ("Obama" in an article that never prints "Barack") is the most quoted
    # person of that surname elsewhere in the corpus.
    quoted: Counter[str] = Counter(att.speaker for anns in resolved for ann in anns for att in ann.attributions
                                   if att.speaker)
    full: dict[str, str] = {}
    for key, _ in quoted.most_common():
        if " " in key:
            full.setdefault(key.rsplit(" ", 1)[-1], key)
    out = []
    for article, (people, _), anns in zip(articles, per_article, resolved, strict=True):
        anns = tuple(replace(ann, attributions=tuple(
            replace(att, speaker=full.get(att.speaker, att.speaker)) if att.speaker else att
            for att in ann.attributions)) for ann in anns)
        names = {}
        for key, person in people.items():
            names[full.get(key, key)] = max(person.forms, key=lambda f: (len(f.split()), len(f), person.forms[f]))
        out.append(replace(article, annotations=anns, names=names))
    return out


def _resolve_article(
    article: PolArticle, found: tuple[dict[str, _Person], dict[tuple[str, ...], str]], gender: dict[str, str]
) -> tuple[Annotation, ...]:
    run_key = found[1]
    text = article.text
    out = []
    for ann in article.annotations:
        named: dict[str, str] = {}  # attribution id -> person key, for sources that are names
        for att in ann.attributions:
            if att.source and (run := name_run(att.source.text(text))) and tuple(run) in run_key:
                named[att.id] = run_key[tuple(run)]
        mentions = sorted((att.source.start, named[att.id]) for att in ann.attributions if att.id in named)
        resolved: dict[str, str | None] = {}
        order = sorted(ann.attributions, key=lambda a: a.source.start if a.source else 0)
        for att in order:  # nested "I" needs the outer speaker: resolve outer ones first where possible
            resolved[att.id] = named.get(att.id) or _pronoun(
                att, ann.attributions, mentions, named, run_key, text, gender
            )
        for att in order:  # a second sweep for "I" inside quotes whose outer speaker came later
            if resolved[att.id] is None:
                resolved[att.id] = _pronoun(att, ann.attributions, mentions, resolved, run_key, text, gender)
        out.append(replace(ann, attributions=tuple(replace(a, speaker=resolved[a.id]) for a in ann.attributions)))
    return tuple(out)


def _pronoun(
    att: Attribution,
    others: Sequence[Attribution],
    mentions: list[tuple[int, str]],
    known: dict[str, str] | dict[str, str | None],
    run_key: dict[tuple[str, ...], str],
    text: str,
    gender: dict[str, str],
) -> str | None:
    if att.source is None:
        return None
    word = att.source.text(text).strip().lower()
    start = att.source.start
    if word in _FIRST_PERSON or word in {"we", "us", "our"}:
        for outer in others:
            if outer is not att and any(s <= start < e for c in outer.contents for s, e in c.pieces):
                return known.get(outer.id)
        return None if word not in _FIRST_PERSON else _nearest(mentions, start, None, gender)
    if word in _RELATIVE:  # the name printed just before "who"; none there: not resolved
        run = name_run(_antecedent(text, start))
        return run_key.get(tuple(run)) if run else None
    if word in _MALE:
        return _nearest(mentions, start, "m", gender)
    if word in _FEMALE:
        return _nearest(mentions, start, "f", gender)
    return None


def _antecedent(text: str, start: int) -> str:
    """The words just before a relative pronoun, up to the comma or stop before them."""
    before = text[max(0, start - 80) : start].rstrip(" ,\n")
    return re.split(r"[,;:()\n\u2014]|\.\s", before)[-1]


def _nearest(mentions: list[tuple[int, str]], start: int, want: str | None, gender: dict[str, str]) -> str | None:
    for ms, key in reversed(mentions):
        if ms >= start:
            continue
        if want is None or gender.get(key, want) == want:
            return key
    return None


def align(raw: str, norm: str) -> list[int]:
    """For each index of ``norm`` (a whitespace- and character-normalised copy of ``raw``), and its
    end, the index of the same character in ``raw``: whitespace may differ, a few characters may
    have been dropped or replaced (NFC, invisible characters)."""
    out = [0] * (len(norm) + 1)
    i = 0
    for j, ch in enumerate(norm):
        if ch.isspace():
            out[j] = min(i, len(raw))
            if i < len(raw) and raw[i].isspace():
                i += 1
            continue
        while i < len(raw) and raw[i].isspace():
            i += 1
        if i < len(raw) and raw[i] != ch:
            ahead = raw.find(ch, i, i + 4)
            if ahead > 0:
                i = ahead
        out[j] = min(i, len(raw))
        i += 1
    out[len(norm)] = min(i, len(raw))
    return out
