"""One bad stored article never stops the bot from starting (issue 15, item 10)."""

import io

from bot.cli import main, store_location
from bot.library import Library
from bot.models import ArticleMeta
from bot.service import build_service
from bot.storage.base import StoredArticle
from bot.storage.sqlite import SqliteArticleStore
from tests.conftest import TINY_CORPUS

OTTERS = "A family of otters was seen in the Kestrel canal."
GOOD = StoredArticle(ArticleMeta(id="added/otters", title="Otters return"), OTTERS, None, "a")
EMPTY = StoredArticle(ArticleMeta(id="g7/empty", title="Nothing here"), "  \n\n ", 7, "b")
CLASH = StoredArticle(  # the id of a shipped article, e.g. written by hand or by another corpus's bot
    ArticleMeta(id="harbour-bridge-reopens", title="Impostor"), "The impostor text has a sentence.", None, "c"
)


def _store(path):
    store = SqliteArticleStore(path)
    for item in (EMPTY, GOOD, CLASH):
        store.add_article(item)
    return store


def test_bad_stored_articles_are_skipped_with_a_warning_naming_them(tmp_path):
    store = _store(tmp_path / "articles.sqlite3")
    service = build_service(TINY_CORPUS, tmp_path / "index")
    warnings: list[str] = []
    assert Library(service, store).load_stored(warn=warnings.append) == 1
    assert len(warnings) == 2
    assert "'g7/empty'" in warnings[0] and "no text" in warnings[0] and "server 7" in warnings[0]
    assert "'harbour-bridge-reopens'" in warnings[1] and "already indexed" in warnings[1]
    assert not service.ask("Where were the otters seen?").abstained
    assert "Kestrel Harbour bridge" in service.ask("When did the harbour bridge reopen?").excerpts[0].text
    store.close()


def test_ask_and_run_start_despite_bad_stored_articles(tmp_path, settings):
    _store(store_location(settings).articles_path).close()
    for argv, stdin in ((["ask", "Where were the otters seen?"], ""), (["run"], "Where were the otters seen?\n")):
        out, err = io.StringIO(), io.StringIO()
        code = main([*argv, "--corpus", str(TINY_CORPUS)], stdin=io.StringIO(stdin), stdout=out, stderr=err,
                    settings=settings)
        assert code == 0, err.getvalue()
        assert "otters" in out.getvalue()
        warnings = [line for line in err.getvalue().splitlines() if line.startswith("warning: ")]
        assert len(warnings) == 2 and "g7/empty" in warnings[0] and "harbour-bridge-reopens" in warnings[1]
