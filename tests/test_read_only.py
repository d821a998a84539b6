"""A read-only data folder: ``ask`` still answers (issue 15, item 11)."""

import contextlib
import gc
import io
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from bot.cli import main, store_location
from bot.config import Settings
from bot.models import ArticleMeta
from bot.storage.base import StoredArticle, StoreError
from bot.storage.sqlite import SqliteArticleStore
from tests.conftest import TINY_CORPUS

NOBODY = 65534
KITE = "The kite festival drew 4,000 visitors to the dunes. Organisers counted 300 kites."


@pytest.fixture
def shared_tmp():
    """A temporary folder another user may enter (pytest's own is private to its owner)."""
    path = Path(tempfile.mkdtemp(prefix="newsbot-ro-"))
    path.chmod(0o755)
    yield path
    for sub in [path, *path.rglob("*")]:
        if not sub.is_symlink():
            sub.chmod(sub.stat().st_mode | 0o200)
    shutil.rmtree(path)


@contextlib.contextmanager
def read_only(*folders: Path):
    """Make ``folders`` and everything in them unwritable for this process (as root, by acting as
    an unprivileged user meanwhile, since root writes anywhere); skips if that cannot be done."""
    paths = [p for folder in folders for p in (folder, *folder.rglob("*"))]
    for path in paths:
        path.chmod(path.stat().st_mode & ~0o222)
    as_root = os.geteuid() == 0
    try:
        if as_root:
            os.seteuid(NOBODY)
        try:
            (folders[0] / "probe").touch()
        except PermissionError:
            pass
        else:
            pytest.skip("cannot make a folder read-only here")
        yield
    finally:
        if as_root:
            os.seteuid(0)
        for path in paths:
            path.chmod(path.stat().st_mode | 0o200)


def run(argv, settings):
    out, err = io.StringIO(), io.StringIO()
    code = main([*argv, "--corpus", str(settings.corpus_dir)], stdin=io.StringIO(""), stdout=out, stderr=err,
                settings=settings)
    return code, out.getvalue(), err.getvalue()


def _open_to_others(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        path.chmod(path.stat().st_mode | (0o055 if path.is_dir() else 0o044))


@pytest.fixture
def prepared(shared_tmp):
    """A corpus with an added article and a saved index."""
    corpus = shared_tmp / "corpus"
    shutil.copytree(TINY_CORPUS, corpus)
    settings = Settings(corpus_dir=corpus, index_dir=shared_tmp / "index", data_dir=shared_tmp / "data")
    kite = shared_tmp / "kite.txt"
    kite.write_text(KITE, encoding="utf-8")
    assert run(["corpus", "add", str(kite)], settings)[0] == 0
    assert run(["ask", "How many kites were counted?"], settings)[0] == 0
    gc.collect()  # the stores the commands opened are closed (their WAL files removed)
    _open_to_others(shared_tmp)
    return settings


def test_ask_answers_from_a_read_only_data_folder(prepared):
    settings = prepared
    with read_only(settings.data_dir, settings.index_dir, settings.corpus_dir):
        code, out, err = run(["ask", "How many kites were counted?"], settings)
        assert code == 0, err
        assert "300 kites" in out and err == ""  # from the store, opened read-only


def test_a_rebuild_that_cannot_be_saved_says_so_and_answers_from_memory(prepared):
    settings = prepared
    (settings.corpus_dir / "ferry.txt").write_text("The night ferry carried 85 cars across the bay.", encoding="utf-8")
    _open_to_others(settings.corpus_dir)
    with read_only(settings.data_dir, settings.index_dir, settings.corpus_dir):
        code, out, err = run(["ask", "How many cars did the night ferry carry?"], settings)
        assert code == 0, err
        assert "85 cars" in out  # the rebuilt index, used from memory
        assert err.count("\n") == 1 and err.startswith("warning: the index cannot be saved in ")
        assert "(Permission denied): answering from memory" in err
        code, out, err = run(["index"], settings)
        errors = [line for line in err.splitlines() if line.startswith("error: ")]  # (after a progress bar)
        assert code == 1 and len(errors) == 1 and "cannot be saved" in errors[0]


def test_store_opens_read_only_with_and_without_its_wal_files(shared_tmp):
    path = shared_tmp / "data" / "articles.sqlite3"
    writer = SqliteArticleStore(path)
    writer.add_article(StoredArticle(ArticleMeta("added/k", "Kites"), KITE, None, "sha"))
    for leave_wal in (True, False):  # the writer still open (its -wal and -shm files exist), then closed
        if not leave_wal:
            writer.close()
        assert path.with_name(path.name + "-wal").exists() == leave_wal
        _open_to_others(shared_tmp)
        with read_only(path.parent):
            reader = SqliteArticleStore(path, read_only=True)
            assert [a.meta.id for a in reader.all_articles()] == ["added/k"]
            reader.close()
    with pytest.raises(StoreError, match="no such file"):
        SqliteArticleStore(shared_tmp / "missing.sqlite3", read_only=True)
    assert store_location(Settings(data_dir=shared_tmp)).articles_path == shared_tmp / "articles.sqlite3"
