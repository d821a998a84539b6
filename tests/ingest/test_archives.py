import gzip
import json

from bot.ingest.documents import ingest, sentence_spans
from bot.ingest.loaders import corpus_files, load_corpus
from bot.models import Article, ArticleMeta


def _records():
    return [
        {"id": "wire/ferry", "title": "Ferry  returns", "text": "The ferry is back. It sails.", "date": "2026-01-02"},
        {"id": "wire/kiln", "title": "", "text": "The kiln was lit on Friday.", "source": "wire", "url": "https://x.org/k"},
    ]


def test_gzipped_archive_yields_one_article_per_line(tmp_path):
    with gzip.open(tmp_path / "part_000.jsonl.gz", "wt", encoding="utf-8") as fh:
        for record in _records():
            fh.write(json.dumps(record) + "\n")
    (tmp_path / "loose.txt").write_text("A loose note.", encoding="utf-8")
    assert [p.name for p in corpus_files(tmp_path)] == ["loose.txt", "part_000.jsonl.gz"]
    report = load_corpus(tmp_path)
    metas = [a.meta for a in report.articles]
    assert [m.id for m in metas] == ["loose", "wire/ferry", "wire/kiln"]
    assert metas[1].title == "Ferry returns" and metas[1].published.iso() == "2026-01-02"
    assert metas[2].title == "Kiln" and metas[2].source == "wire" and metas[2].url == "https://x.org/k"
    assert report.warnings == ()


def test_bad_archive_lines_are_warnings(tmp_path):
    lines = [json.dumps(_records()[0]), "{not json", json.dumps({"id": "x", "text": ""}), ""]
    (tmp_path / "a.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = load_corpus(tmp_path)
    assert [a.meta.id for a in report.articles] == ["wire/ferry"]
    assert len(report.warnings) == 2 and all("line" in w and "a.jsonl" in w for w in report.warnings)


def test_sentence_spans_agree_with_ingest():
    raw = "One here. Two here.\n\nOne here. Three, in paragraph two."
    text, spans = sentence_spans(raw)
    doc = ingest(Article(ArticleMeta(id="t", title="T"), raw))
    assert [(s.start, s.end, s.paragraph) for s in doc.sentences] == spans
    assert [s.position for s in doc.sentences] == [1, 2, 3]
    assert doc.text == text


def test_archive_dates_in_the_news_corpus_forms_and_a_bad_one(tmp_path):
    records = [
        {"id": "g/1", "title": "One", "text": "A text.", "date": "October 14, 2011  4:21 PM"},
        {"id": "f/2", "title": "Two", "text": "A text.", "date": "2020-09-20-20-54-47"},
        {"id": "x/3", "title": "Three", "text": "A text.", "date": "13/13/13"},
    ]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    report = load_corpus(tmp_path)
    dates = [a.meta.published.iso() if a.meta.published else None for a in report.articles]
    assert dates == ["2011-10-14T16:21:00", "2020-09-20T20:54:47", None]
    assert len(report.warnings) == 1 and "'x/3'" in report.warnings[0]
