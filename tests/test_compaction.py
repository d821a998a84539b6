"""Background compaction: a full build in a forked process swapped in while the service answers (issue 14)."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import pytest

from bot.compaction import Compacted, CompactionError, CompactionPolicy, Compactor
from bot.indexing import CHUNK_ARTICLES
from bot.library import Library
from bot.service import Growth, NewsService, build_service
from bot.storage.location import StoreLocation
from bot.storage.sqlite import SqliteArticleStore
from bot.upkeep import compaction_articles, full_build, save_full_build
from tests.conftest import TINY_CORPUS

GUILD = 7
OTTERS = b"---\ntitle: Otters return to the canal\n---\nA family of otters was seen in the Kestrel canal on Friday."
KITES = b"---\ntitle: Kite festival\n---\nThe kite festival drew 4,000 visitors to the dunes on Saturday."
HERONS = b"---\ntitle: Herons nest early\n---\nA pair of grey herons built a nest by the weir in January."
BADGERS = b"---\ntitle: Badger sett found\n---\nVolunteers found a badger sett under the old railway bridge."


@pytest.fixture
def parts(tmp_path: Path) -> tuple[NewsService, Library, Path]:
    service = build_service(TINY_CORPUS, tmp_path / "index")
    store_file = tmp_path / "articles.sqlite3"
    library = Library(service, SqliteArticleStore(store_file))
    library.load_stored()
    return service, library, store_file


def compactor(service: NewsService, library: Library, store_file: Path, **options: object) -> Compactor:
    build = options.pop("build", None) or full_build(
        TINY_CORPUS, StoreLocation(store_file.parent), service.tokenizer, fingerprint=service.corpus.fingerprint
    )
    return Compactor(service, build=build, texts=library.stored_articles, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("growth", "due"),
    [
        (Growth(built=1000, added_global=99, added_servers=0, removed=0), False),
        (Growth(built=1000, added_global=60, added_servers=500, removed=40), True),  # per-server ones do not count
        (Growth(built=1000, added_global=0, added_servers=900, removed=0), False),
        (Growth(built=10, added_global=49, added_servers=0, removed=0), False),  # under the minimum
    ],
)
def test_policy_counts_what_a_full_build_would_fold_in(growth: Growth, due: bool) -> None:
    assert CompactionPolicy(share=0.10, min_articles=50).due(growth) is due
    assert not CompactionPolicy(share=0, min_articles=0).due(growth)


def test_compaction_folds_added_articles_into_a_full_build_and_keeps_what_each_server_sees(parts) -> None:
    service, library, store_file = parts
    otters = library.add_file("otters.md", OTTERS, guild_id=None)
    kites = library.add_file("kites.md", KITES, guild_id=GUILD)
    shipped = service.growth().built
    assert service.growth() == Growth(built=shipped, added_global=1, added_servers=1, removed=0)
    before = service.ask("Where were the otters seen?").excerpts[0]
    assert before.score != pytest.approx(0.0)

    done = compactor(service, library, store_file).run()

    assert gc.isenabled()  # the collector, paused for the load and swap, is on again
    assert service.corpus.words == {}  # the build's word list is not read: the tokenizer knows them
    assert isinstance(done, Compacted) and done.articles == shipped + 1 and done.replayed == 1
    assert service.growth() == Growth(built=shipped + 1, added_global=0, added_servers=1, removed=0)
    index = service.corpus.index
    # The global article is now part of the build: its words carry an idf of their own.
    assert index.vocabulary["otter"] < index.built_terms and "otter" in index.terms()[: index.built_terms]
    assert service.ask("Where were the otters seen?").excerpts[0].sentence == before.sentence
    # The server's article is on top of the build, still for that server only.
    kite_question = "How many visitors came to the kite festival?"
    assert "4,000 visitors" in service.ask(kite_question, guild_id=GUILD).excerpts[0].text
    assert service.ask(kite_question).abstained
    assert kites.id in [m.id for m in service.articles(guild_id=GUILD)]
    assert kites.id not in [m.id for m in service.articles()]
    assert otters.id in [m.id for m in service.articles()]
    # It can still be removed, and the shipped articles answer as before.
    library.remove(kites.id, guild_id=GUILD)
    assert service.ask("How many visitors came to the kite festival?", guild_id=GUILD).abstained
    assert "Kestrel Harbour bridge" in service.ask("When did the harbour bridge reopen?").excerpts[0].text


def test_articles_added_and_removed_while_the_build_runs_are_not_lost(parts, tmp_path) -> None:
    service, library, store_file = parts
    otters = library.add_file("otters.md", OTTERS, guild_id=None)
    herons = library.add_file("herons.md", HERONS, guild_id=None)
    gathered, go = tmp_path / "gathered", tmp_path / "go"

    def slow_build(folder: Path) -> None:  # runs in the forked process
        articles = compaction_articles(TINY_CORPUS, StoreLocation(store_file.parent))  # the store as it is now
        gathered.touch()
        for _ in range(2000):  # bounded: at most 20 s
            if go.exists():
                break
            time.sleep(0.01)
        save_full_build(articles, service.tokenizer, folder, fingerprint=service.corpus.fingerprint)

    outcomes: list[object] = []
    job = compactor(service, library, store_file, build=slow_build, on_done=outcomes.append)
    assert job.start() and not job.start()  # one at a time
    for _ in range(2000):
        if gathered.exists():
            break
        time.sleep(0.01)
    assert job.running
    badgers = library.add_file("badgers.md", BADGERS, guild_id=None)
    library.remove(herons.id, guild_id=None)
    assert "badger sett" in service.ask("Where was the badger sett found?").excerpts[0].sentence  # answered meanwhile
    go.touch()
    assert job.wait(timeout=60)

    (done,) = outcomes
    assert isinstance(done, Compacted) and done.replayed == 1  # the badgers, added after the build read the store
    assert {m.id for m in service.articles()} >= {otters.id, badgers.id}
    assert herons.id not in {m.id for m in service.articles()}
    assert service.ask("Where did the herons build a nest?").abstained
    assert "badger sett" in service.ask("Where was the badger sett found?").excerpts[0].sentence
    assert "otters" in service.ask("Where were the otters seen?").excerpts[0].sentence
    growth = service.growth()
    assert (growth.added_global, growth.removed) == (1, 1)  # for the next compaction


def test_a_failed_build_leaves_the_service_as_it_was(parts) -> None:
    service, library, store_file = parts
    library.add_file("otters.md", OTTERS, guild_id=None)
    growth, corpus = service.growth(), service.corpus

    def broken(folder: Path) -> None:
        raise ValueError("the disk is full")

    with pytest.raises(CompactionError, match="the disk is full"):
        compactor(service, library, store_file, build=broken).run()
    assert service.growth() == growth and service.corpus is corpus
    assert "otters" in service.ask("Where were the otters seen?").excerpts[0].sentence


def test_start_if_due_follows_the_policy(parts) -> None:
    service, library, store_file = parts
    job = compactor(service, library, store_file, policy=CompactionPolicy(share=0.1, min_articles=2))
    library.add_file("otters.md", OTTERS, guild_id=None)
    assert not job.start_if_due()
    library.add_file("kites.md", KITES, guild_id=None)
    assert len(service.corpus.index.vocabulary) > service.corpus.index.built_terms  # words new since the build
    assert job.start_if_due()
    assert job.wait(timeout=60)
    assert service.growth().added_global == 0
    assert len(service.corpus.index.vocabulary) == service.corpus.index.built_terms


def test_a_build_with_worker_processes_of_its_own_runs_in_the_compaction_process(tmp_path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(CHUNK_ARTICLES + 20):  # more than one chunk: the build forks its workers
        (corpus / f"note-{i}.txt").write_text(f"Warden {i} counted {i + 3} geese on the marsh.\n", encoding="utf-8")
    service = build_service(corpus, tmp_path / "index")
    store_file = tmp_path / "articles.sqlite3"
    library = Library(service, SqliteArticleStore(store_file))
    library.add_file("otters.md", OTTERS, guild_id=None)
    location = StoreLocation(store_file.parent)
    build = full_build(corpus, location, service.tokenizer, fingerprint=service.corpus.fingerprint)
    done = Compactor(service, build=build, texts=library.stored_articles).run()
    assert done.articles == CHUNK_ARTICLES + 21 and service.growth().added_global == 0
    assert "otters" in service.ask("Where were the otters seen?").excerpts[0].sentence


def test_a_compaction_over_postgresql_builds_from_the_shared_store(tmp_path: Path, pg_url: str) -> None:
    service = build_service(TINY_CORPUS, tmp_path / "index")
    location = StoreLocation(tmp_path / "data", pg_url)
    library = Library(service, location.open_articles())
    library.add_file("otters.md", OTTERS, guild_id=None)
    library.add_file("herons.md", HERONS, guild_id=1234)  # one server's: not in the full build
    build = full_build(TINY_CORPUS, location, service.tokenizer, fingerprint=service.corpus.fingerprint)
    done = Compactor(service, build=build, texts=library.stored_articles).run()  # built in a forked process
    assert done.articles == len(compaction_articles(TINY_CORPUS, location)) == 6
    assert service.growth().added_global == 0
    assert "otter" in service.ask("How many otters were counted?").excerpts[0].text.lower()
