import json

import numpy as np
import pytest

from bot.errors import IndexFormatError
from bot.ingest.documents import ingest
from bot.ingest.loaders import load_corpus
from bot.retrieval.store import FORMAT_VERSION, CorpusIndex
from tests.conftest import TINY_CORPUS


@pytest.fixture
def built(tokenizer):
    documents = [ingest(a) for a in load_corpus(TINY_CORPUS).articles]
    return CorpusIndex.build(documents, tokenizer, fingerprint="abc", tokenizer=tokenizer.describe())


def test_save_and_load_round_trip(built, tmp_path):
    build = built.save(tmp_path)
    loaded = CorpusIndex.load(tmp_path)
    assert loaded.articles == built.articles
    assert loaded.fingerprint == "abc"
    rows = range(len(built.table))
    assert [loaded.sentence(r) for r in rows] == [built.sentence(r) for r in rows]
    assert np.allclose(loaded.index.matrix.toarray(), built.index.matrix.toarray(), atol=1e-6)
    params = json.loads((build / "params.json").read_text())
    assert params["format_version"] == FORMAT_VERSION
    assert not list(build.glob("*.pkl"))


def test_saved_arrays_load_without_pickle(built, tmp_path):
    build = built.save(tmp_path)
    for path in build.glob("*.npy"):
        np.load(path, allow_pickle=False)


def test_memory_mapped_load(built, tmp_path):
    built.save(tmp_path)
    loaded = CorpusIndex.load(tmp_path, mmap=True)
    assert loaded.sentence(0) == built.sentence(0)


def test_second_save_replaces_the_first(built, tmp_path):
    first = built.save(tmp_path)
    second = built.save(tmp_path)
    assert not first.exists() and second.exists()
    assert (tmp_path / "CURRENT").read_text() == second.name


def test_other_format_version_is_refused(built, tmp_path):
    build = built.save(tmp_path)
    params = json.loads((build / "params.json").read_text())
    params["format_version"] = FORMAT_VERSION + 1
    (build / "params.json").write_text(json.dumps(params))
    with pytest.raises(IndexFormatError, match="version"):
        CorpusIndex.load(tmp_path)


def test_damaged_index_is_reported(built, tmp_path):
    build = built.save(tmp_path)
    (build / "matrix_data.npy").write_bytes(b"not numpy")
    with pytest.raises(IndexFormatError, match="damaged"):
        CorpusIndex.load(tmp_path)


def test_missing_index_is_reported(tmp_path):
    with pytest.raises(IndexFormatError, match="no usable index"):
        CorpusIndex.load(tmp_path)


def test_crash_before_the_swap_keeps_the_old_build(built, tmp_path, monkeypatch):
    first = built.save(tmp_path)

    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("bot.retrieval.store._write_text_atomic", boom)
    with pytest.raises(OSError):
        built.save(tmp_path)
    monkeypatch.undo()
    assert (tmp_path / "CURRENT").read_text() == first.name
    assert CorpusIndex.load(tmp_path).articles == built.articles


def test_dates_are_saved_as_iso_and_loaded_as_dates(built, tmp_path):
    build = built.save(tmp_path)
    saved = json.loads((build / "articles.json").read_text())["published"]
    assert "2026-03-14" in saved
    loaded = CorpusIndex.load(tmp_path)
    assert {str(m.published) for m in loaded.articles} >= {"14 March 2026"}


def test_a_date_that_is_not_iso_in_a_saved_index_is_damage(built, tmp_path):
    build = built.save(tmp_path)
    data = json.loads((build / "articles.json").read_text())
    data["published"] = ["April 29, 2010  1:01 PM"] * len(data["published"])
    (build / "articles.json").write_text(json.dumps(data))
    with pytest.raises(IndexFormatError):  # the file no longer matches its checksum: rebuilt by the caller
        CorpusIndex.load(tmp_path)
