"""The article summariser on short texts written for the tests."""

from __future__ import annotations

import numpy as np
import pytest

from bot.retrieval.tokenize import default_tokenizer
from bot.summarise.extractive import (
    COMBINATION_FEATURES,
    COMBINATION_WEIGHTS,
    SummaryParams,
    default_model,
    score_sentences,
    select_sentences,
    sentence_importance,
)
from bot.summarise.features import FEATURES, sentence_features

ANALYSE = default_tokenizer()

STORY = [
    "The town council approved a new tram line to the harbour on Tuesday.",
    "The line will link the station, the hospital and the harbour by 2029.",
    "Council leader Amy Shore said the tram would cut traffic in the old town.",
    "It will cost 300 million pounds, paid by the city and the national government.",
    "What do residents think?",
    "Shops on the harbour road fear two years of building work.",
    "The tram line to the harbour was first proposed in 1998.",
    "Work starts next spring.",
]


def test_picks_n_sentences_in_article_order():
    chosen = select_sentences(STORY, ANALYSE, n=3)
    assert len(chosen) == 3
    assert chosen == sorted(chosen)
    assert all(0 <= i < len(STORY) for i in chosen)


def test_the_lead_is_chosen_and_the_question_is_not():
    chosen = select_sentences(STORY, ANALYSE, n=3, title="Council approves harbour tram line")
    assert 0 in chosen
    assert 4 not in chosen


def test_short_article_returns_every_sentence():
    assert select_sentences(STORY[:2], ANALYSE, n=3) == [0, 1]
    assert select_sentences(STORY[:3], ANALYSE, n=3) == [0, 1, 2]


def test_empty_and_zero():
    assert select_sentences([], ANALYSE, n=3) == []
    assert select_sentences(STORY, ANALYSE, n=0) == []


def test_repeated_sentences_never_appear_twice():
    text = ["The bridge is closed.", "The  bridge is CLOSED.", "Buses run instead."]
    chosen = select_sentences(text, ANALYSE, n=3)
    assert [text[i].casefold().split() for i in chosen].count(["the", "bridge", "is", "closed."]) == 1
    repeated = [*STORY, STORY[0], STORY[2]]
    picked = [" ".join(repeated[i].split()).casefold() for i in select_sentences(repeated, ANALYSE, n=6)]
    assert len(picked) == len(set(picked)) == 6


def test_near_duplicates_are_skipped_while_others_remain():
    text = [
        "The council approved the harbour tram line on Tuesday.",
        "On Tuesday the council approved the harbour tram line.",
        "Shops on the harbour road fear two years of building work.",
        "The tram will cost 300 million pounds.",
        "Work starts next spring, the council said.",
    ]
    chosen = select_sentences(text, ANALYSE, n=2)
    assert not {0, 1} <= set(chosen)


def test_asking_for_more_than_the_distinct_sentences_returns_them_all():
    text = ["Rain fell all day.", "Rain fell all day.", "The river rose by a metre.", "Roads were shut."]
    assert select_sentences(text, ANALYSE, n=4) == [0, 2, 3]


def test_paragraphs_and_title_are_optional_and_used():
    plain = select_sentences(STORY, ANALYSE, n=2)
    with_structure = select_sentences(
        STORY, ANALYSE, n=2, paragraphs=[1, 1, 2, 2, 3, 3, 4, 4], title="Harbour tram line approved"
    )
    assert len(plain) == len(with_structure) == 2


def test_features_have_one_column_per_name_and_are_finite():
    terms = [ANALYSE(s) for s in STORY]
    feats = sentence_features(STORY, terms, paragraphs=[1, 1, 2, 2, 3, 3, 4, 4], title_terms=ANALYSE("Tram"))
    assert feats.matrix.shape == (len(STORY), len(FEATURES))
    assert np.isfinite(feats.matrix).all()
    column = dict(zip(FEATURES, feats.matrix.T, strict=True))
    assert column["is_first"].tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    assert column["is_question"][4] == 1
    assert column["opens_paragraph"].tolist() == [1, 0, 1, 0, 1, 0, 1, 0]
    assert column["degree"].max() == pytest.approx(1.0)
    assert feats.similarity.shape == (len(STORY), len(STORY))


def test_features_of_quotes_first_person_and_boilerplate():
    text = [
        '"We will not give up," the mayor said.',
        "I think we should all cycle more.",
        "Editor's note: this column was first published in 2024.",
    ]
    feats = sentence_features(text, [ANALYSE(s) for s in text])
    column = dict(zip(FEATURES, feats.matrix.T, strict=True))
    assert column["starts_with_quote"].tolist() == [1, 0, 0]
    assert column["quoted_share"][0] > 0.5
    assert column["first_person"][0] == 0  # "We" is inside the quotation
    assert column["first_person"][1] > 0
    assert column["is_boilerplate"].tolist() == [0, 0, 1]
    assert column["reports_speech"].tolist() == [1, 0, 0]


def test_article_shape_features():
    terms = [ANALYSE(s) for s in STORY]
    feats = sentence_features(STORY, terms, paragraphs=[1, 1, 2, 2, 2, 4, 4, 4], title_terms=ANALYSE("Tram"))
    column = dict(zip(FEATURES, feats.matrix.T, strict=True))
    assert column["sentence_count"].tolist() == [8] * 8
    assert column["paragraph_count"].tolist() == [3] * 8
    assert column["paragraph_size"].tolist() == [2, 2, 3, 3, 3, 3, 3, 3]
    assert column["position_in_paragraph"].tolist() == [0, 1, 0, 1, 2, 0, 1, 2]
    assert column["words"][4] == 4 and column["first_words"][0] == len(STORY[0].split())
    assert sorted(column["pagerank_rank"].tolist()) == list(range(8))


def test_sentences_without_words_do_not_break_scoring():
    text = ["...", "12:30", "The market reopened at noon.", "Traders were relieved.", "Prices held."]
    scores, similarity, _lengths = score_sentences(text, [ANALYSE(s) for s in text])
    assert np.isfinite(scores).all() and np.isfinite(similarity).all()
    chosen = select_sentences(text, ANALYSE, n=2)
    assert 2 in chosen


def test_the_shipped_model_reads_the_features_this_code_computes():
    model = default_model()
    assert model.feature_names == FEATURES
    assert int(model.feature.max()) < len(FEATURES)
    assert SummaryParams().sentence_model() is model


def test_a_very_long_sentence_gives_way_while_shorter_ones_remain():
    long_one = "The tram line to the harbour " + "and the station " * 200 + "was approved."
    text = [STORY[0], long_one, *STORY[1:]]
    chosen = select_sentences(text, ANALYSE, n=3, params=SummaryParams(max_chars=1500))
    assert 1 not in chosen and len(chosen) == 3


def test_sentence_importance_is_a_rank_share():
    ranks = sentence_importance(STORY, ANALYSE, title="Harbour tram line approved")
    assert sorted(ranks.tolist()) == pytest.approx([k / (len(STORY) - 1) for k in range(len(STORY))])
    assert sentence_importance(["One line only."], ANALYSE).tolist() == [1.0]
    assert sentence_importance([], ANALYSE).tolist() == []
    capped = sentence_importance(STORY, ANALYSE, params=SummaryParams(max_sentences=4))
    assert capped[4:].tolist() == [0.0] * 4 and capped[:4].max() == 1.0


def test_only_the_first_max_sentences_are_considered():
    chosen = select_sentences(STORY, ANALYSE, n=3, params=SummaryParams(max_sentences=4))
    assert all(i < 4 for i in chosen) and len(chosen) == 3


def test_combination_weights_name_every_combination_feature():
    assert tuple(COMBINATION_WEIGHTS) == COMBINATION_FEATURES


def test_the_combination_step_trades_length_as_weighted():
    only = dict.fromkeys(COMBINATION_FEATURES, 0.0)
    longest = SummaryParams(combination_weights={**only, "length": 1.0}, combination_pool=8)
    shortest = SummaryParams(combination_weights={**only, "length": -1.0}, combination_pool=8)
    long_pick = select_sentences(STORY, ANALYSE, n=3, params=longest)
    short_pick = select_sentences(STORY, ANALYSE, n=3, params=shortest)
    words = [len(s.split()) for s in STORY]
    assert sum(words[i] for i in long_pick) > sum(words[i] for i in short_pick)
    assert 4 not in long_pick  # the question is short, but not an answer to "longest"


def test_more_sentences_than_the_combination_step_takes_are_picked_greedily():
    chosen = select_sentences(STORY, ANALYSE, n=6)
    assert len(chosen) == 6 and chosen == sorted(chosen)
