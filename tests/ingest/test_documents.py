from bot.ingest.documents import ingest
from bot.models import Article, ArticleMeta


def make(text: str) -> Article:
    return Article(ArticleMeta(id="t", title="T"), text)


def test_positions_paragraphs_and_offsets():
    doc = ingest(make("First one here. Second one here.\n\nThird in paragraph two."))
    assert [s.position for s in doc.sentences] == [1, 2, 3]
    assert [s.paragraph for s in doc.sentences] == [1, 1, 2]
    for s in doc.sentences:
        assert doc.text[s.start : s.end] == s.text


def test_glued_sentences_are_repaired():
    doc = ingest(make("They want peace as soon as possible.Ahead of the call, officials met."))
    assert [s.text for s in doc.sentences] == [
        "They want peace as soon as possible.",
        "Ahead of the call, officials met.",
    ]


def test_exact_repeats_are_dropped_and_positions_stay_dense():
    para = "The council met on Monday. It approved the budget."
    doc = ingest(make(f"{para}\n\nA new paragraph follows.\n\n{para}"))
    assert [s.text for s in doc.sentences] == [
        "The council met on Monday.",
        "It approved the budget.",
        "A new paragraph follows.",
    ]
    assert [s.position for s in doc.sentences] == [1, 2, 3]


def test_a_wire_dateline_is_left_out_of_the_first_sentence():
    doc = ingest(make("LONDON, England (Wire) -- The council met on Monday. It approved the budget."))
    assert doc.sentences[0].text == "The council met on Monday."
    assert doc.text[doc.sentences[0].start : doc.sentences[0].end] == doc.sentences[0].text
    glued = ingest(make("(Wire)The council met on Monday. It approved the budget."))
    assert glued.sentences[0].text == "The council met on Monday."


def test_brackets_that_are_not_a_dateline_stay():
    for text in (
        "Jo Smith (Green) said the council met on Monday. It approved the budget.",
        "Acme (ACM) - shares rose on Monday. It approved the budget.",
        "The budget passed. LONDON (Wire) -- A second sentence is not a dateline.",
    ):
        assert ingest(make(text)).text.startswith(ingest(make(text)).sentences[0].text)


def test_unicode_is_normalised():
    doc = ingest(make("Cafe\u0301 prices rose.\u00a0Then fell."))
    assert doc.sentences[0].text == "Café prices rose."
    assert doc.sentences[1].text == "Then fell."


def test_shipped_article_repeats_a_paragraph_once(shipped_service):
    texts = [shipped_service.corpus.table.text(r) for r in range(shipped_service.sentence_count)]
    vance = [t for t in texts if "JD Vance said Trump is more than open" in t]
    assert len(vance) == 1
    assert len(texts) == len(set(texts))
