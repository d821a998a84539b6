"""Shared fixtures: a tiny corpus of short articles written for the tests, and the shipped corpus."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from bot.config import Settings
from bot.retrieval.tokenize import Tokenizer, default_tokenizer
from bot.service import NewsService, build_service

ROOT = Path(__file__).resolve().parents[1]
TINY_CORPUS = ROOT / "tests" / "data" / "tiny_corpus"
SHIPPED_CORPUS = ROOT / "corpus"


@pytest.fixture(scope="session", autouse=True)
def _compiled_search_loops(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Compile the search loops (``bot.retrieval.kernels``) before the first test: on a fresh
    checkout numba needs a few seconds once, which a test with a Discord deadline must not pay.
    The machine code is kept in one folder for the whole run, which the ``python -m bot`` child
    processes inherit (the command line would otherwise put it in each test's data folder)."""
    os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".pytest_cache" / "numba"))
    build_service(TINY_CORPUS, tmp_path_factory.mktemp("warm-index")).warm_up()


@pytest.fixture(scope="session")
def tokenizer() -> Tokenizer:
    return default_tokenizer()


@pytest.fixture
def tiny_corpus(tmp_path: Path) -> Path:
    """A writable copy of the five test articles."""
    target = tmp_path / "corpus"
    shutil.copytree(TINY_CORPUS, target)
    return target


@pytest.fixture(scope="session")
def tiny_service(tmp_path_factory: pytest.TempPathFactory) -> NewsService:
    """A service over the tiny corpus, built once per session (read-only use)."""
    return build_service(TINY_CORPUS, tmp_path_factory.mktemp("tiny-index"))


@pytest.fixture(scope="session")
def shipped_service(tmp_path_factory: pytest.TempPathFactory) -> NewsService:
    """A service over the articles the bot ships with."""
    return build_service(SHIPPED_CORPUS, tmp_path_factory.mktemp("shipped-index"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings pointing at the shipped corpus, with index and data under ``tmp_path``."""
    return Settings(corpus_dir=SHIPPED_CORPUS, index_dir=tmp_path / "index", data_dir=tmp_path / "data")
