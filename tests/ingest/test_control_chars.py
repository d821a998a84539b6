"""No terminal escape survives ingest: every field of every input path is cleaned (issue 15, item 9)."""

import gzip
import io
import json

from bot.cli import main
from bot.ingest.documents import ingest
from bot.ingest.loaders import load_corpus, read_article
from bot.ingest.sources import article_from_html, article_from_upload
from bot.ingest.text import clean_line, strip_controls
from bot.library import Library
from bot.models import Article, ArticleMeta
from bot.service import build_service
from bot.storage.base import StoredArticle
from bot.storage.sqlite import SqliteArticleStore
from tests.conftest import TINY_CORPUS

OSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07"  # "copy 'rm -rf ~' to the clipboard", to a terminal
CSI = "\x1b[2J\x9b31m"  # clear the screen; red (7-bit and 8-bit CSI)
BAD = ("\x1b", "\x07", "\x9b", "\x9d", "\x00", "\x7f", "\u202e")
DIRTY_MD = (
    f"---\ntitle: Ferry{OSC52} returns{CSI}\nurl: https://ferry.example/{OSC52}\npublished: 2026-01-02{OSC52}\n"
    f"source: Gazette{OSC52}\u202e\n---\nThe ferry{OSC52} returned to Kestrel on Friday with 80 passengers.{CSI}\n"
)


def _clean(*values):
    return not any(ch in str(v) for v in values for ch in BAD)


def _fields(article: Article):
    """Every field as stored or shown: the metadata, and the text as indexed and quoted."""
    m = article.meta
    return m.id, m.title, m.url, m.published, m.source, ingest(article).text


def test_clean_line_and_strip_controls():
    assert clean_line(f" Ferry{OSC52}\n returns\t{CSI} ") == "Ferry]52;c;cm0gLXJmIH4K returns [2J›31m"
    assert strip_controls(f"one\x07\n\ttwo{OSC52}") == "one\n\ttwo]52;c;cm0gLXJmIH4K"


def test_every_field_of_files_archives_uploads_and_pages_is_cleaned(tmp_path):
    (tmp_path / f"dirty{OSC52}.md").write_text(DIRTY_MD, encoding="utf-8")
    record = {"id": f"wire/{OSC52}x", "title": f"T{OSC52}", "text": f"Body {CSI} text here.", "url": f"u{CSI}",
              "date": f"2026{OSC52}", "source": f"s{OSC52}"}
    with gzip.open(tmp_path / "part.jsonl.gz", "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")
    articles = list(load_corpus(tmp_path).articles)
    articles.append(read_article(tmp_path / f"dirty{OSC52}.md", root=tmp_path))
    articles.append(article_from_upload(f"up{OSC52}.md", DIRTY_MD.encode(), id_prefix="g1"))
    html = (f"<html><head><title>Tram{OSC52} line opens</title></head><body><article><p>The new tram{CSI} line "
            "opened on Monday with 14 stops.</p><p>Riders praised the quiet carriages.</p></article></body></html>")
    articles.append(article_from_html(html, url=f"https://tram.example/{OSC52}", id_prefix="g1"))
    assert len(articles) == 5
    for article in articles:
        assert _clean(*_fields(article)), _fields(article)
    assert articles[2].meta.title == "Ferry]52;c;cm0gLXJmIH4K returns[2J›31m"
    assert _clean(articles[3].text, articles[4].text)  # uploads and pages are stored as they are


def test_articles_corpus_list_and_ask_print_no_escape(tmp_path, settings):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "ferry.md").write_text(DIRTY_MD, encoding="utf-8")
    upload = tmp_path / "kiln.md"
    upload.write_text(DIRTY_MD.replace("ferry", "kiln").replace("Ferry", "Kiln"), encoding="utf-8")
    outputs = []
    for argv in (
        ["corpus", "add", str(upload)],
        ["corpus", "list"],
        ["articles"],
        ["articles", "--json"],
        ["ask", "How many passengers returned on the ferry to Kestrel?"],
        ["ask", "How many passengers returned on the kiln to Kestrel?", "--json"],
    ):
        out, err = io.StringIO(), io.StringIO()
        assert main([*argv, "--corpus", str(corpus)], stdout=out, stderr=err, settings=settings) == 0, err.getvalue()
        outputs.append(out.getvalue())
    assert "80 passengers" in outputs[4] and "Ferry" in outputs[4]
    for text in outputs:
        assert _clean(text), text


def test_articles_stored_by_an_older_version_are_cleaned_when_loaded(tmp_path):
    store = SqliteArticleStore(tmp_path / "articles.sqlite3")
    meta = ArticleMeta(id="added/old", title=f"Old{OSC52} title", url=f"https://x.example/{CSI}")
    store.add_article(StoredArticle(meta, f"The old{OSC52} article had 12 pages of text.", None, "digest"))
    library = Library(build_service(TINY_CORPUS, tmp_path / "index"), store)
    assert library.load_stored() == 1
    listed = library.list(guild_id=None)
    assert _clean(listed[0].title, listed[0].url)
    shown = library._service.articles()
    assert all(_clean(m.title, m.url) for m in shown)
    store.close()
