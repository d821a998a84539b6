"""A damaged saved index is found at load and rebuilt with one warning; the answers stay right."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from bot.service import NewsService, open_corpus
from tests.conftest import ROOT

QUESTION = "How many vehicles will the bridge carry?"


def _current(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().strip()


def _zero_npy(build: Path) -> None:
    (build / "matrix_indices.npy").write_bytes(b"")


def _truncate_texts(build: Path) -> None:
    path = build / "texts.bin"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garbage_texts(build: Path) -> None:
    path = build / "texts.bin"
    data = bytearray(path.read_bytes())
    data[: len(data) // 2] = b"\xff" * (len(data) // 2)  # same size: only the checksum can tell
    path.write_bytes(bytes(data))


def _flip_a_weight(build: Path) -> None:
    path = build / "matrix_data.npy"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0x40
    path.write_bytes(bytes(data))


def _delete_terms(build: Path) -> None:
    (build / "terms.json").unlink()


def _change_a_params_field(build: Path) -> None:
    params = json.loads((build / "params.json").read_text())
    params["rows"] += 1
    (build / "params.json").write_text(json.dumps(params))


DAMAGES = [_zero_npy, _truncate_texts, _garbage_texts, _flip_a_weight, _delete_terms, _change_a_params_field]


@pytest.mark.parametrize("damage", DAMAGES, ids=lambda f: f.__name__.strip("_"))
def test_a_damaged_index_is_rebuilt_with_one_warning(tiny_corpus, tmp_path, tokenizer, damage):
    index = tmp_path / "index"
    first = open_corpus(tiny_corpus, index, tokenizer, workers=1)
    expected = NewsService(first.corpus, tokenizer).ask(QUESTION)
    damage(_current(index))
    opened = open_corpus(tiny_corpus, index, tokenizer, workers=1)
    assert opened.rebuilt
    assert len(opened.warnings) == 1 and "rebuilt it" in opened.warnings[0], opened.warnings
    answer = NewsService(opened.corpus, tokenizer).ask(QUESTION)
    assert answer.excerpts and answer.excerpts[0].sentence == expected.excerpts[0].sentence
    assert "30,000 vehicles" in answer.excerpts[0].sentence
    again = open_corpus(tiny_corpus, index, tokenizer, workers=1)
    assert not again.rebuilt and again.warnings == ()


def test_a_missing_index_is_built_without_a_warning(tiny_corpus, tmp_path, tokenizer):
    opened = open_corpus(tiny_corpus, tmp_path / "index", tokenizer, workers=1)
    assert opened.rebuilt and opened.warnings == ()


def _negative_postings(build: Path) -> None:
    path = build / "matrix_indices.npy"
    indices = np.load(path)
    indices[:] = -(10**9)  # written in place, as a bad disk or editor would leave it
    with open(path, "r+b") as fh:
        fh.seek(os.path.getsize(path) - indices.nbytes)
        fh.write(indices.tobytes())


@pytest.mark.parametrize("damage", [_negative_postings, _truncate_texts, _garbage_texts], ids=lambda f: f.__name__)
def test_the_command_line_answers_from_a_damaged_index(tiny_corpus, tmp_path, tokenizer, damage):
    """Through ``python -m bot ask`` in a new process: a crash there (SIGSEGV, a traceback, an empty
    quote) is what a user would see."""
    index = tmp_path / "index"
    open_corpus(tiny_corpus, index, tokenizer, workers=1)
    damage(_current(index))
    run = subprocess.run(
        [sys.executable, "-m", "bot", "ask", QUESTION, "--json", "--corpus", str(tiny_corpus),
         "--index-dir", str(index)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    warnings = [line for line in run.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "rebuilt it" in warnings[0], run.stderr
    answer = json.loads(run.stdout)
    assert "30,000 vehicles" in answer["answers"][0]["sentence"]
