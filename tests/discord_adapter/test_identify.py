"""IDENTIFY turns shared by threads and processes (``bot.discord_adapter.identify``)."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from bot.discord_adapter.identify import (
    FORMAT,
    FORMAT_VERSION,
    FileIdentifyGate,
    MemoryIdentifyGate,
    identify_key,
    next_turn,
    wait_turn,
)
from tests.threads import run_in_threads

ROOT = Path(__file__).resolve().parents[2]
NOW = 1_000_000.0

RESERVE_MANY = """
import sys
from pathlib import Path
from bot.discord_adapter.identify import FileIdentifyGate
gate = FileIdentifyGate(Path(sys.argv[1]))
print(" ".join(repr(gate.reserve(0, 1.0, float(sys.argv[2]))) for _ in range(int(sys.argv[3]))))
"""


def test_next_turn():
    assert next_turn(None, 5.0, NOW) == NOW
    assert next_turn(NOW - 1, 5.0, NOW) == NOW + 4  # the last one was a second ago: four more to wait
    assert next_turn(NOW - 60, 5.0, NOW) == NOW  # long ago: at once
    assert next_turn(NOW + 7200, 5.0, NOW) == NOW  # two hours ahead: a clock set back, forgotten


def test_key_is_the_shard_modulo_max_concurrency():
    assert [identify_key(shard, 16) for shard in (0, 15, 16, 33)] == [0, 15, 0, 1]
    assert identify_key(None, 1) == 0 and identify_key(5, 0) == 0


@pytest.mark.parametrize("make", [MemoryIdentifyGate, lambda: FileIdentifyGate(Path("gate.json"))])
def test_turns_of_one_key_are_an_interval_apart_and_keys_independent(make, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    gate = make()
    assert [gate.reserve(0, 5.0, NOW) for _ in range(3)] == [NOW, NOW + 5, NOW + 10]
    assert gate.reserve(1, 5.0, NOW) == NOW  # another key is not held up
    assert gate.reserve(0, 5.0, NOW + 30) == NOW + 30  # once the queue has passed, at once again


def test_two_threads_never_get_the_same_turn(tmp_path):
    gates = [FileIdentifyGate(tmp_path / "gate.json") for _ in range(2)]  # as two processes would: two objects
    turns: list[float] = []
    lock = threading.Lock()

    def take(gate: FileIdentifyGate) -> None:
        for _ in range(25):
            turn = gate.reserve(0, 1.0, NOW)
            with lock:
                turns.append(turn)

    run_in_threads(take, gates)
    assert sorted(turns) == [NOW + i for i in range(50)]


def test_two_processes_never_get_the_same_turn(tmp_path):
    path = tmp_path / "gate.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen([sys.executable, "-c", RESERVE_MANY, str(path), repr(NOW), "30"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, env=env)
        for _ in range(2)
    ]  # fmt: skip
    turns = []
    for proc in procs:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
        turns += [float(t) for t in out.split()]
    assert sorted(turns) == [NOW + i for i in range(60)]
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data == {"format": FORMAT, "format_version": FORMAT_VERSION, "last": {"0": NOW + 59}}


@pytest.mark.parametrize(
    "content",
    [
        "{not json",
        "",
        '{"format": "newsbot-identify-gate", "format_version": 99, "last": {"0": 1}}',
        '{"format": "newsbot-identify-gate", "format_version": 1, "last": {"zero": "soon"}}',
        "[1, 2]",
    ],
)
def test_a_broken_file_starts_clean_with_a_log_line(tmp_path, caplog, content):
    path = tmp_path / "gate.json"
    path.write_text(content, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="bot.discord_adapter.identify"):
        assert FileIdentifyGate(path).reserve(0, 5.0, NOW) == NOW
    (record,) = caplog.records
    message = record.getMessage()
    assert f"IDENTIFY turns file {path} is unreadable" in message and "starting clean" in message
    assert json.loads(path.read_text(encoding="utf-8"))["last"] == {"0": NOW}  # replaced by a good one
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]


def test_a_folder_that_cannot_be_written_paces_this_process_only_with_a_warning(tmp_path, caplog):
    gate = FileIdentifyGate(tmp_path / "missing" / "gate.json")  # (a read-only folder is the same to root)
    with caplog.at_level(logging.WARNING, logger="bot.discord_adapter.identify"):
        assert [gate.reserve(0, 5.0, NOW) for _ in range(2)] == [NOW, NOW + 5]
    assert len(caplog.records) == 1 and "pacing this process's shards only" in caplog.records[0].getMessage()


async def test_wait_turn_sleeps_until_the_turn():
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    gate = MemoryIdentifyGate()
    waits = [await wait_turn(gate, 0, 5.0, clock=lambda: NOW, sleep=sleep) for _ in range(3)]
    assert waits == [0.0, 5.0, 10.0] and slept == [5.0, 10.0]
