import pytest

from bot.errors import CorpusError
from bot.ingest.loaders import corpus_fingerprint, load_corpus, parse_article_text, read_article, title_from_id


def test_front_matter_fields(tmp_path):
    path = tmp_path / "a.md"
    path.write_text('---\ntitle: "Quoted: title"\nurl: https://x.example/a\npublished: 2026-01-02\n'
                    "source: Gazette\nignored: yes\n---\n\nBody text.\n", encoding="utf-8")
    article = read_article(path, root=tmp_path)
    assert article.meta.id == "a"
    assert article.meta.title == "Quoted: title"
    assert article.meta.url == "https://x.example/a"
    assert article.meta.published.iso() == "2026-01-02"
    assert article.meta.source == "Gazette"
    assert article.text.strip() == "Body text."


def test_only_title_is_needed_and_txt_titles_come_from_the_file_name(tmp_path):
    (tmp_path / "sub").mkdir()
    path = tmp_path / "sub" / "big-storm_hits-coast.txt"
    path.write_text("Waves reached the promenade.", encoding="utf-8")
    article = read_article(path, root=tmp_path)
    assert article.meta.id == "sub/big-storm_hits-coast"
    assert article.meta.title == "Big storm hits coast"
    assert article.meta.url is None and article.meta.published is None


def test_markdown_without_front_matter_or_with_unclosed_block():
    meta, body = parse_article_text("# Heading\nText.", article_id="x", markdown=True)
    assert meta.title == "X" and body == "Heading\nText."
    meta, body = parse_article_text("---\ntitle: T\nno end", article_id="y", markdown=True)
    assert meta.title == "Y" and "no end" in body


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffThe text.".encode())
    assert read_article(path, root=tmp_path).text == "The text."


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"\xff\xfeabc", "not UTF-8"), (b"abc\x00def", "binary"), (b"   \n\n ", "no text")],
)
def test_bad_files_are_named_in_the_error(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(CorpusError, match=message) as info:
        read_article(path, root=tmp_path)
    assert "bad.txt" in str(info.value)


def test_huge_file_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("bot.ingest.loaders.MAX_ARTICLE_BYTES", 10)
    path = tmp_path / "big.txt"
    path.write_text("x" * 11, encoding="utf-8")
    with pytest.raises(CorpusError, match="limit"):
        read_article(path, root=tmp_path)


def test_load_corpus_skips_bad_files_with_warnings(tmp_path):
    (tmp_path / "good.txt").write_text("Good text.", encoding="utf-8")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xff")
    (tmp_path / "notes.json").write_text("{}", encoding="utf-8")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "x.txt").write_text("Hidden.", encoding="utf-8")
    report = load_corpus(tmp_path)
    assert [a.meta.id for a in report.articles] == ["good"]
    assert len(report.warnings) == 1 and "bad.txt" in report.warnings[0]


def test_missing_empty_and_unreadable_corpora(tmp_path):
    with pytest.raises(CorpusError, match="does not exist"):
        load_corpus(tmp_path / "missing")
    with pytest.raises(CorpusError, match=r"no \.md or \.txt"):
        load_corpus(tmp_path)
    (tmp_path / "bad.txt").write_bytes(b"\xff")
    with pytest.raises(CorpusError, match="no readable article"):
        load_corpus(tmp_path)


def test_fingerprint_changes_with_the_corpus(tmp_path):
    (tmp_path / "a.txt").write_text("One.", encoding="utf-8")
    first = corpus_fingerprint(tmp_path)
    assert corpus_fingerprint(tmp_path) == first
    (tmp_path / "b.txt").write_text("Two.", encoding="utf-8")
    second = corpus_fingerprint(tmp_path)
    assert second != first
    (tmp_path / "b.txt").write_text("Two, longer.", encoding="utf-8")
    assert corpus_fingerprint(tmp_path) != second


def test_title_from_id():
    assert title_from_id("dir/some_file-name") == "Some file name"


def test_an_unreadable_date_keeps_the_article_undated_with_a_warning(tmp_path):
    (tmp_path / "bakery.md").write_text("---\ntitle: Bakery opens\npublished: the week before Easter\n---\n"
                                        "The bakery on Mill Lane opened its doors.\n", encoding="utf-8")
    (tmp_path / "dated.md").write_text("---\ntitle: Dated\npublished: April 29, 2010  1:01 PM\n---\nText here.\n",
                                       encoding="utf-8")
    report = load_corpus(tmp_path)
    metas = {a.meta.id: a.meta for a in report.articles}
    assert metas["bakery"].published is None
    assert str(metas["dated"].published) == "29 April 2010"
    assert len(report.warnings) == 1 and "'bakery'" in report.warnings[0]
