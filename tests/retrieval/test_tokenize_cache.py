from bot.retrieval.tokenize import LazySnowball, Tokenizer, default_tokenizer


def test_learned_words_are_not_stemmed_again():
    calls = []

    def stem(word):
        calls.append(word)
        return word[:4]

    teacher = Tokenizer(stemmer=stem)
    assert teacher("Bridges reopened") == ["brid", "reop"]
    student = Tokenizer(stemmer=stem)
    student.learn(teacher.known_terms())
    calls.clear()
    assert student("bridges REOPENED") == ["brid", "reop"]
    assert calls == []


def test_lazy_snowball_matches_nltk():
    from nltk.stem.snowball import SnowballStemmer

    lazy, eager = LazySnowball(), SnowballStemmer("english").stem
    for word in ["running", "reopened", "generously", "bridges"]:
        assert lazy(word) == eager(word)
    assert default_tokenizer()("Bridges were reopened") == ["bridg", "reopen"]
