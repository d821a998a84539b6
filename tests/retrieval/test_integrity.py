import json
import os

import numpy as np
import pytest

from bot.errors import IndexFormatError
from bot.ingest.documents import ingest
from bot.ingest.loaders import load_corpus
from bot.retrieval import integrity
from bot.retrieval.store import CorpusIndex
from tests.conftest import TINY_CORPUS


@pytest.fixture
def built(tokenizer):
    documents = [ingest(a) for a in load_corpus(TINY_CORPUS).articles]
    return CorpusIndex.build(documents, tokenizer, fingerprint="abc", tokenizer=tokenizer.describe())


def _reseal(build):
    """Recompute every checksum, as if the damage had been written by the program itself."""
    (build / integrity.STAMP).unlink(missing_ok=True)
    params = json.loads((build / integrity.PARAMS).read_text())
    params["files"] = integrity.manifest(build)
    (build / integrity.PARAMS).write_text(json.dumps(integrity.seal(params)))


def _rewrite(path, array):
    np.save(path, array, allow_pickle=False)


def test_every_saved_file_is_listed_with_its_checksum(built, tmp_path):
    build = built.save(tmp_path)
    params = json.loads((build / "params.json").read_text())
    on_disk = {p.name for p in build.iterdir()} - {"params.json", "verified.json"}
    assert set(params["files"]) == on_disk
    for name, (size, crc) in params["files"].items():
        assert (build / name).stat().st_size == size and integrity.crc32_of(build / name) == crc


def test_a_new_file_in_a_build_is_covered_without_code(built, tmp_path):
    (tmp_path / "attribution.npy").write_bytes(b"x" * 10)
    listed = integrity.manifest(tmp_path)
    assert listed["attribution.npy"][0] == 10


def test_an_intact_saved_index_is_not_read_again_to_load(built, tmp_path, monkeypatch):
    built.save(tmp_path)

    def no_reading(path):
        raise AssertionError(f"{path} was read again")

    monkeypatch.setattr(integrity, "crc32_of", no_reading)
    assert CorpusIndex.load(tmp_path, mmap=True).articles == built.articles


def test_a_change_is_found_even_with_the_old_size_and_time(built, tmp_path):
    build = built.save(tmp_path)
    CorpusIndex.load(tmp_path)  # recorded as checked
    path = build / "matrix_data.npy"
    before = path.stat()
    data = bytearray(path.read_bytes())
    data[-1] ^= 0x01
    path.write_bytes(bytes(data))
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(IndexFormatError, match="checksum"):
        CorpusIndex.load(tmp_path)


def test_a_damaged_record_of_checks_only_means_checking_again(built, tmp_path):
    build = built.save(tmp_path)
    (build / integrity.STAMP).write_text("{not json")
    assert CorpusIndex.load(tmp_path).articles == built.articles


@pytest.mark.parametrize(
    ("name", "change"),
    [
        ("matrix_indices", lambda a: np.full_like(a, -5)),
        ("matrix_indptr", lambda a: a[::-1].copy()),
        ("sequence_columns", lambda a: a + 10**6),
        ("title_articles", lambda a: a - 100),
        ("texts_offsets", lambda a: a[::-1].copy()),
        ("first_row", lambda a: np.zeros_like(a)),
        ("table_article", lambda a: a[::-1].copy()),
        ("matrix_data", lambda a: np.full_like(a, np.nan)),
    ],
)
def test_out_of_range_values_are_refused_even_with_good_checksums(built, tmp_path, name, change):
    build = built.save(tmp_path)
    path = build / f"{name}.npy"
    _rewrite(path, change(np.load(path)))
    _reseal(build)
    with pytest.raises(IndexFormatError):
        CorpusIndex.load(tmp_path, mmap=True)


def test_texts_that_are_not_utf8_are_refused_even_with_good_checksums(built, tmp_path):
    build = built.save(tmp_path)
    data = bytearray((build / "texts.bin").read_bytes())
    data[5] = 0xFF
    (build / "texts.bin").write_bytes(bytes(data))
    _reseal(build)
    with pytest.raises(IndexFormatError, match="UTF-8"):
        CorpusIndex.load(tmp_path)


def test_a_damaged_params_file_is_refused(built, tmp_path):
    build = built.save(tmp_path)
    params = json.loads((build / "params.json").read_text())
    params["fingerprint"] = "abd"
    (build / "params.json").write_text(json.dumps(params))
    with pytest.raises(IndexFormatError, match="checksum"):
        CorpusIndex.read_params(tmp_path)


def test_a_file_list_naming_other_folders_is_refused(tmp_path):
    with pytest.raises(IndexFormatError, match="bad file entry"):
        integrity.verify(tmp_path, {"../outside.npy": [1, 2]})
