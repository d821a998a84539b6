from bot.retrieval.dedup import sentence_key


def test_quotes_spacing_case_and_final_stop_do_not_make_another_statement():
    base = sentence_key('"We will rebuild the sea wall before winter," said mayor Ana Ruiz.')
    assert sentence_key("\u201cWe will rebuild the sea wall before winter,\u201d said mayor Ana Ruiz.") == base
    assert sentence_key("'We will  rebuild the sea wall before winter' said Mayor Ana Ruiz") == base
    assert sentence_key("We will rebuild the sea wall before spring, said mayor Ana Ruiz.") != base
