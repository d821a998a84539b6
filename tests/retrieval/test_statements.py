"""Statements laid out by row (bot/retrieval/statements.py), on short texts written for the tests."""

from __future__ import annotations

from bot.ingest.documents import sentence_spans
from bot.retrieval.statements import DIRECT, FIRST, STATEMENT, SUBSTANTIVE, chunk_statements


def laid_out(text: str):
    normal, spans = sentence_spans(text)
    return chunk_statements([(normal, spans)])


def test_a_quotation_over_two_sentences_is_one_statement_of_two_rows():
    st = laid_out(
        "The ferry returned. “It is back, and it is staying,” Ida Marsh said. “We are glad of it.” Then rain."
    )
    assert st.names == ("Ida Marsh",)
    assert st.speaker.tolist() == [-1, 0, 0, -1]
    assert st.first.tolist()[1:3] == [1, 1] and st.last.tolist()[1:3] == [2, 2]
    assert st.flags[1] & (STATEMENT | DIRECT | SUBSTANTIVE | FIRST) == STATEMENT | DIRECT | SUBSTANTIVE | FIRST
    assert not st.flags[2] & FIRST


def test_a_caption_line_without_a_final_stop_says_nothing():
    st = laid_out("Ida Marsh said the bridge fee was unfair to every family in town\n\nThe council met on Monday.")
    assert st.speaker[0] == 0 and not st.flags[0] & SUBSTANTIVE


def test_appending_an_article_lays_it_out_as_a_full_join_would():
    from bot.retrieval.statements import Statements

    first = laid_out("“The fee stays,” Ida Marsh said. Tom Okafor said the ferry would run. “No,” Marsh said.")
    added = laid_out("Tom Okafor said the bridge was closed. Greta Lind said the museum was open all week.")
    base = len(first.speaker)
    grown = Statements.join([first], [0]).appended(added, base).appended(added, base + len(added.speaker))
    whole = Statements.join([first, added, added], [0, base, base + len(added.speaker)])
    assert grown.names == whole.names
    for name in ("speaker", "first", "last", "flags", "quote_start", "quote_end", "indptr", "rows"):
        assert getattr(grown, name).tolist() == getattr(whole, name).tolist(), name
