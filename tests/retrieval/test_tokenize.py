from bot.retrieval.tokenize import Tokenizer


def test_terms_are_stemmed_and_irregular_verbs_joined(tokenizer):
    assert tokenizer("Vance said") == tokenizer("Vance says") == ["vanc", "say"]
    assert tokenizer("launched drones") == tokenizer("launch drone")
    assert tokenizer("told") == tokenizer("tell")


def test_question_words_that_carry_meaning_are_kept(tokenizer):
    terms = tokenizer("Who was the first one to name the system?")
    assert {"first", "one", "name", "system"} <= set(terms)
    assert "who" not in terms and "the" not in terms


def test_abbreviations_numbers_and_possessives(tokenizer):
    assert tokenizer("U.S. troops") == tokenizer("US troops")
    assert tokenizer("1,000 detainees")[0] == "1000"
    assert tokenizer("3.5%") == ["3.5"]
    assert tokenizer("Trump’s call") == tokenizer("Trump call")


def test_odd_unicode_does_not_break_tokenizing(tokenizer):
    assert tokenizer("") == []
    assert tokenizer("🙂 \u200b\u202e") == []
    assert tokenizer("Zelenskyy café naïve") == tokenizer("zelenskyy CAFÉ naïve")


def test_stemmer_is_injected_and_memoised():
    calls = []

    def stem(word: str) -> str:
        calls.append(word)
        return word[:4]

    tok = Tokenizer(stemmer=stem)
    assert tok("bridges bridges bridges") == ["brid", "brid", "brid"]
    assert calls == ["bridges"]
