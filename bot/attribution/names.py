"""People's names as news writes them: find them, strip titles, and resolve them within an article.

"US Vice President JD Vance", "Vance" and "Mr Vance" in one article are one person, "JD Vance";
``ArticleNames`` learns the full names an article uses and maps a short form to its full name.
Pure functions over strings.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field

from bot.attribution.lexicon import FEMALE_NAMES, GROUP_PRONOUNS, MALE_NAMES, PERSONAL_PRONOUNS, TITLE_WORDS

_CAP = r"(?:[A-Z][a-z]{0,2}\.|[A-Z]\.(?:[A-Z]\.)*|[A-Z][\w'’\-]*)"
_JOIN = r"(?:(?:\s+(?:of|de|del|della|van|von|der|den|bin|al|da|du|la|le|dos|das)){1,2}\s+|\s+)"
# A run of capitalised words, possibly joined by a name particle ("Ursula von der Leyen").
NAME_RUN = re.compile(_CAP + r"(?:" + _JOIN + _CAP + r")*")
_MULTI_WORD_RUN = re.compile(_CAP + r"(?:" + _JOIN + _CAP + r")+")
_POSSESSIVE = re.compile(r"['’]s?$")
# Capitalised words that never start or form a person's name.
_NOT_NAME = frozenset(
    """the a an this that these those it he she they we i you his her their its our my your but and
    or if when while as after before since because although though so yet also however meanwhile
    in on at by for from with of to into about over under between during without within
    monday tuesday wednesday thursday friday saturday sunday january february march april may june
    july august september october november december today yesterday tomorrow earlier later
    according asked speaking writing there here what who why how where which mr. mrs. ms. dr. then now
    still also later significantly meanwhile instead indeed ultimately finally news another note one update
    some last pictured all despite others many no both each every several few most first second third i've
    i'm i'd i'll we're we've you're they're it's that's here's there's let's officials sources analysts
    experts authorities people witnesses critics researchers scientists investigators dealers cops
    prosecutors residents doctors neighbours neighbors friends fans users viewers readers supporters
    opponents observers insiders staff workers members leaders parents students teachers campaigners
    activists locals visitors customers passengers shoppers relatives family lawyers attorneys reports
    studies data figures polls surveys statistics estimates records documents photos pictures images
    video footage sign signs source breaking exclusive read watch listen warning caption
    editor's""".split()
)


# "Department of Health" is one name; "Snarkwell of Quibbleton" is Snarkwell.
_ORG_HEADS = frozenset(
    """department ministry bank university government office council board committee agency institute school
    college court house chamber society association federation union league church city state republic
    kingdom commission bureau centre center museum hospital party corporation company""".split()
)
_PARTICLE_BEFORE = re.compile(r"(?:^|\s)(de|van|von|da|di|le|la|al|bin|el|del|der)\s$")
_AUX_LIKE = frozenset("has have had also then later once again now still just already".split())
_INSIDE_PHRASE = frozenset(
    "of by for with from to under at about against like than behind among between toward towards "
    "including near whose".split()
)


def _words(run: str) -> list[str]:
    return run.split()


def strip_title(run: str) -> str:
    """``run`` without the title or role words in front of the name ("Health Secretary Matt
    Hancock" -> "Matt Hancock", "Mr Johnson" -> "Johnson", "the New York Post" -> "New York Post")."""
    words = _words(run)
    while words and (words[0].lower() in _NOT_NAME or (words[0].endswith("ly") and len(words) > 1)):
        words = words[1:]
    last_title = -1
    for i, w in enumerate(words[:-1]):
        low = w.lower().rstrip(",")
        # "Secretary of State Marco Rubio": "of" continues a title; "Snarkwell of Quibbleton" is a name.
        if low in TITLE_WORDS or (low == "of" and i > 0 and words[i - 1].lower() in TITLE_WORDS):
            last_title = i
    if " of " in " ".join(words[last_title + 1 :]) and words[last_title + 1].lower() not in _ORG_HEADS:
        words = " ".join(words[last_title + 1 :]).split(" of ")[0].split()
        last_title = -1
    words = words[last_title + 1 :]
    while words and words[0].lower() in {"of", "de", "van", "von", "der"}:
        words = words[1:]
    return " ".join(words)


def key(name: str) -> str:
    """The form names are compared in: case-folded, without dots ("J.D. Vance" == "JD Vance")."""
    return " ".join(name.replace(".", "").replace("’", "'").casefold().split())


def surname(name: str) -> str:
    """Last word of a name, case-folded, without a possessive or dots."""
    words = key(name).split()
    return words[-1] if words else ""


@functools.lru_cache(maxsize=65536)
def pronoun_may_mean(person: str, pronoun: str) -> bool:
    """Whether ``pronoun`` ("he"/"she") may stand for ``person``, by a given name the lists know."""
    words = key(person).split()
    if not words:
        return False
    if pronoun == "she":
        return words[0] not in MALE_NAMES
    return words[0] not in FEMALE_NAMES


def head_name(source: str) -> str | None:
    """The name a source phrase is about, or ``None`` when it names nobody.

    "US Vice President JD Vance" -> "JD Vance"; "the Kremlin spokesman Dmitry Peskov" -> "Dmitry
    Peskov"; "Peskov, the Kremlin spokesman" -> "Peskov"; "Vance's office" -> None (a possessive
    is not the speaker); "officials", "a source" -> None.
    """
    text = source.strip().strip(",;:—–- ")
    if not text:
        return None
    if text.lower() in PERSONAL_PRONOUNS or text.lower() in GROUP_PRONOUNS:
        return None
    # An appositive after the name belongs to it: "Peskov, the Kremlin spokesman".
    first_clause = text.split(",", 1)[0]
    runs = [m for m in NAME_RUN.finditer(first_clause)]
    if not runs:
        return None
    run = runs[-1]
    # A name inside a phrase about something else is not the source ("a commission appointed by
    # President Bush", "supporters of Sanders").
    lead = first_clause[: run.start()].lower().split()
    if lead and (lead[-1] in _INSIDE_PHRASE or (lead[-1].endswith("ed") and len(lead[-1]) > 4)):
        return None
    after = first_clause[run.end() :]
    if _POSSESSIVE.search(run.group()) or after.lstrip().startswith(("'s", "’s")):
        return None
    # Lower-case words after the last name run ("Trump aides", "Clinton supporters") make the
    # phrase a group, not the named person.
    trailing = [w for w in after.split() if w[:1].islower() and not w.endswith("ly") and w not in _AUX_LIKE]
    if any(ch.isdigit() for ch in after):
        return None  # "Brief 1", "Section 5": not a person
    if trailing:
        return None
    name = strip_title(run.group())
    particle = _PARTICLE_BEFORE.search(first_clause[: run.start()])
    if particle and name == run.group():
        name = f"{particle.group(1)} {name}"  # "de Blasio said"
    words = _words(name)
    if not words or words[0].lower() in _NOT_NAME or all(w.lower() in TITLE_WORDS for w in words):
        return None
    if len(words) == 1 and len(words[0].strip(".")) <= 2:
        return None  # "U", "P": pieces of abbreviations
    if name.isupper() and len(name) > 3:
        name = " ".join(w.capitalize() for w in words)  # "CHRIS WALLACE" in a transcript
    return name


@dataclass(slots=True)
class ArticleNames:
    """Full names used in one article, by surname; resolves short forms to them."""

    by_surname: dict[str, Counter[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, text: str) -> ArticleNames:
        """Learn every name of two or more words in ``text`` (titles stripped)."""
        names = cls()
        for m in _MULTI_WORD_RUN.finditer(text):
            name = strip_title(m.group())
            if name.isupper():
                name = " ".join(w.capitalize() for w in name.split())  # a transcript's "CHRIS WALLACE"
            words = _words(name)
            if len(words) < 2 or words[0].lower() in _NOT_NAME or (_POSSESSIVE.search(words[-1]) and len(words) < 2):
                continue
            if words[-1].endswith(("'s", "’s")):
                words[-1] = words[-1][:-2]
                name = " ".join(words)
            names.by_surname.setdefault(surname(name), Counter())[name] += 1
            if len(words) >= 3 and words[-2][:1].isupper() and len(words[-2]) > 2 and not words[-2].endswith("."):
                # "Melba Acosta Febo" is also "Ms. Acosta".
                names.by_surname.setdefault(key(words[-2]), Counter())[name] += 1
        return names

    def canonical(self, name: str) -> str:
        """The article's full name for ``name``: a surname (or "Mr Surname") maps to the full name
        used most in the article; a full name stays itself."""
        words = _words(name)
        if len(words) >= 2 and words[0][:1].isupper():
            return name
        forms = self.by_surname.get(surname(name))
        if not forms:
            return name
        # The most used form; among equals a plain "First Last" (not "Liberal Oscar-winner Last").
        return max(forms.items(), key=lambda kv: (kv[1], len(kv[0].split()) == 2))[0]
