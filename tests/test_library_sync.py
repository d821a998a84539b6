"""A running service takes in what another process adds to or removes from the shared store (issue 14)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main, store_location
from bot.config import Settings
from bot.library import Library, SyncResult
from bot.models import ArticleMeta
from bot.service import build_service
from bot.storage.base import StoredArticle
from bot.storage.sqlite import SqliteArticleStore
from tests.conftest import TINY_CORPUS

OTTERS = "---\ntitle: Otters return to the canal\n---\nA family of otters was seen in the Kestrel canal on Friday.\n"
QUESTION = "Where were the otters seen?"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(corpus_dir=TINY_CORPUS, index_dir=tmp_path / "index", data_dir=tmp_path / "data")


@pytest.fixture
def running(settings: Settings, tmp_path: Path) -> Library:
    """The library of a running bot: its own service and its own connection to the store."""
    service = build_service(TINY_CORPUS, tmp_path / "own-index")
    library = Library(service, SqliteArticleStore(store_location(settings).articles_path))
    library.load_stored()
    return library


def cli(settings: Settings, *argv: str) -> str:
    """``python -m bot ...`` in this process but with its own service and store connection, as a
    second process has."""
    out, err = io.StringIO(), io.StringIO()
    assert main(list(argv), stdout=out, stderr=err, settings=settings) == 0, err.getvalue()
    return out.getvalue()


def test_an_article_added_by_the_cli_reaches_the_running_service_at_its_next_sync(running, settings, tmp_path):
    source = tmp_path / "otters.md"
    source.write_text(OTTERS, encoding="utf-8")
    cli(settings, "corpus", "add", str(source))
    service = running._service
    assert service.ask(QUESTION).abstained  # not before the sync
    assert running.sync() == SyncResult(added=1, removed=0)
    assert "otters" in service.ask(QUESTION).excerpts[0].sentence
    assert running.sync() == SyncResult()  # nothing new: nothing done

    cli(settings, "corpus", "remove", "Otters return to the canal")
    assert running.sync() == SyncResult(added=0, removed=1)
    assert service.ask(QUESTION).abstained
    assert not service.find_articles("otters")


def test_own_changes_are_not_applied_twice(running):
    running.add_file("otters.md", OTTERS.encode(), guild_id=7)
    assert running.sync() == SyncResult()
    running.remove("Otters return to the canal", guild_id=7)
    assert running.sync() == SyncResult()
    assert running._service.ask(QUESTION, guild_id=7).abstained


def test_an_unindexable_article_from_another_process_is_named_once(running, settings):
    other = SqliteArticleStore(store_location(settings).articles_path)
    clash = StoredArticle(ArticleMeta(id="harbour-bridge-reopens", title="Impostor"), "A sentence.", None, "c")
    other.add_article(clash)
    warnings: list[str] = []
    assert running.sync(warn=warnings.append) == SyncResult()
    assert len(warnings) == 1 and "harbour-bridge-reopens" in warnings[0]
    other.add_article(StoredArticle(ArticleMeta(id="added/otters", title="Otters"), "Otters swam.", 5, "d"))
    assert running.sync(warn=warnings.append) == SyncResult(added=1)
    assert len(warnings) == 1  # the skipped one is not tried again
    other.remove_article("harbour-bridge-reopens", guild_id=None)
    assert running.sync(warn=warnings.append) == SyncResult(removed=1)
    assert "Kestrel Harbour bridge" in running._service.ask("When did the harbour bridge reopen?").excerpts[0].text
    other.close()


class _AddingStdin(io.StringIO):
    """Standard input of a console chat whose user adds an article from another terminal after the
    first question."""

    def __init__(self, text: str, on_second_line: callable) -> None:  # type: ignore[valid-type]
        super().__init__(text)
        self._lines = 0
        self._hook = on_second_line

    def readline(self, *args: object) -> str:  # type: ignore[override]
        self._lines += 1
        if self._lines == 2:
            self._hook()
        return super().readline(*args)  # type: ignore[arg-type]


def test_the_console_chat_sees_an_article_added_meanwhile(settings, tmp_path):
    source = tmp_path / "otters.md"
    source.write_text(OTTERS, encoding="utf-8")
    stdin = _AddingStdin(f"{QUESTION}\n{QUESTION}\n", lambda: cli(settings, "corpus", "add", str(source)))
    out, err = io.StringIO(), io.StringIO()
    assert main(["run"], stdin=stdin, stdout=out, stderr=err, settings=settings) == 0, err.getvalue()
    first, second = out.getvalue().split("\n\n")[:2]
    assert "otters" not in first.lower()
    assert "otters were seen" not in first and "family of otters" in second
