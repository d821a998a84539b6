"""Words that carry no meaning for retrieval, kept in the repository (nothing is downloaded).

The list is deliberately short: only articles, auxiliaries, pronouns, prepositions, conjunctions
and the wh-words of a question. Unlike scikit-learn's English list it keeps content words such as
"first", "one", "name", "call", "show", "find", "fire" or "system", which often carry the answer.
"""

from __future__ import annotations

STOPWORDS_VERSION = 1

STOPWORDS: frozenset[str] = frozenset(
    """
    a an the this that these those there here
    and or but nor so yet if then than as because while although though
    of to in on at by for with from into onto upon about over under out off up down
    via per within without through during before after between among against
    is am are was were be been being
    do does did doing done
    have has had having
    will would shall should can could may might must
    i me my mine myself we us our ours ourselves you your yours yourself yourselves
    he him his himself she her hers herself it its itself they them their theirs themselves
    what which who whom whose when where why how whatever whoever
    not no also just very too only
    s t d ll m re ve
    """.split()
)
