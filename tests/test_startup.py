"""Running as a service (bot/startup.py): the search loops without numba, logging, the start line."""

from __future__ import annotations

import logging
import signal

import discord
import pytest

from bot import startup
from bot.config import Settings
from bot.render_text import answer_json
from bot.retrieval import kernels

QUESTIONS = (
    "How many vehicles will the bridge carry?",
    "What did Marta Lind write?",
    "how many families are on the waiting list?",
    "Who won the football world cup?",
    "bridge",
)


@pytest.fixture
def numpy_loops():
    kernels.choose(kernels.LoopChoice(use_numba=False))
    yield
    kernels.choose(kernels.LoopChoice())


def _answers(service):
    return [answer_json(service.ask(q, top=5)) for q in QUESTIONS] + [
        answer_json(service.quotes("Marta Lind", None, top=3))
    ]


def test_search_without_numba_gives_the_same_answers(tiny_service, shipped_service):
    with_numba = [_answers(tiny_service), _answers(shipped_service)]
    kernels.choose(kernels.LoopChoice(use_numba=False))
    try:
        assert kernels.compiled().top_rows is kernels._numpy_top_rows
        without = [_answers(tiny_service), _answers(shipped_service)]
    finally:
        kernels.choose(kernels.LoopChoice())
    assert without == with_numba


def test_search_works_when_numba_is_not_installed(tiny_service, monkeypatch):
    want = _answers(tiny_service)
    monkeypatch.setattr(kernels, "numba_version", lambda: None)  # as if `import numba` failed
    assert kernels.describe() == "numpy (numba is not installed)"
    assert kernels.compiled().top_rows is kernels._numpy_top_rows
    assert _answers(tiny_service) == want


def test_newsbot_numba_off_and_the_cache_folder_in_the_data_folder(tmp_path):
    environ: dict[str, str] = {}
    try:
        choice = startup.choose_search_loops(Settings(data_dir=tmp_path / "data", numba="off"), environ)
        assert not choice.use_numba and kernels.describe().startswith("numpy (numba switched off")
    finally:
        kernels.choose(kernels.LoopChoice())
    # numba is already imported in the test process, so the folder is not set behind its back ...
    assert "NUMBA_CACHE_DIR" not in environ
    assert startup.numba_cache_dir(Settings(data_dir=tmp_path / "data")) == tmp_path / "data" / "numba-cache"


def test_cache_folder_is_set_before_numba_is_imported(tmp_path, monkeypatch):
    monkeypatch.delitem(__import__("sys").modules, "numba")  # as in a fresh process (restored after)
    environ: dict[str, str] = {}
    try:
        choice = startup.choose_search_loops(Settings(data_dir=tmp_path / "data"), environ)
    finally:
        kernels.choose(kernels.LoopChoice())
    assert environ["NUMBA_CACHE_DIR"] == str(tmp_path / "data" / "numba-cache")
    assert choice.cache_dir == tmp_path / "data" / "numba-cache"
    user_set = {"NUMBA_CACHE_DIR": str(tmp_path / "mine")}
    try:
        assert startup.choose_search_loops(Settings(data_dir=tmp_path), user_set).cache_dir == tmp_path / "mine"
    finally:
        kernels.choose(kernels.LoopChoice())


def test_preparing_search_is_said_only_when_compiling(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    calls = []
    loops = startup.prepare_search(lambda: calls.append(1), kernels.LoopChoice(cache_dir=tmp_path))
    assert calls == [1]
    assert "preparing search (first start only)…" in caplog.text
    assert f"search loops: {loops}" in caplog.text and loops.startswith("numba ")
    caplog.clear()
    (tmp_path / "kernels._top_rows-1.py311.nbi").write_bytes(b"")
    startup.prepare_search(lambda: None, kernels.LoopChoice(cache_dir=tmp_path))
    assert "preparing search" not in caplog.text


def test_start_line_names_the_shards():
    line = startup.start_line(version="1", articles=2, sentences=2, servers=3, loops="numpy", shards="shards 0,1 of 4")
    assert "3 servers, shards 0,1 of 4, search loops numpy" in line


def test_start_line():
    line = startup.start_line(version="1.2.3", articles=1, sentences=1234, servers=3, loops="numba 0.61.0")
    assert line == "newsbot 1.2.3 started: 1 article, 1,234 sentences, 3 servers, search loops numba 0.61.0"
    assert "console chat" in startup.start_line(version="1", articles=2, sentences=2, servers=None, loops="numpy")


def test_discord_logging_has_no_voice_warnings(monkeypatch, caplog):
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)  # as in a fresh process without PyNaCl
    root = logging.getLogger()
    handlers = list(root.handlers)
    try:
        startup.setup_logging("INFO", discord=True, environ={"NO_COLOR": "1"})
        caplog.set_level(logging.INFO)
        discord.Client(intents=discord.Intents.none())
    finally:
        root.handlers[:] = handlers
    assert "voice will NOT be supported" not in caplog.text


def test_sigterm_raises_stopped_and_restores_the_handler():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(startup.Stopped) as caught, startup.sigterm_raises():
        signal.raise_signal(signal.SIGTERM)
    assert caught.value.signal_name == "SIGTERM"
    assert signal.getsignal(signal.SIGTERM) == before
