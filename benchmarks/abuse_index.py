"""Abuse benchmark for the saved index (issue 15, items 4 and 5), through the real command line.

* 50 random damages of a freshly saved index of a small generated corpus (truncate, empty, flip
  bytes, overwrite with garbage, append, negative postings, delete; any file of the build, its
  ``params.json`` or the ``CURRENT`` pointer): after each, ``python -m bot ask`` must exit 0 with
  exactly one warning line and the right answer to every question, and the index it rebuilt must
  then open cleanly.
* 20 ``kill -9`` of ``python -m bot index`` in the middle of a build (after its forked workers
  started, at a random moment): no worker may outlive it, checked by pid (and start time, so a
  reused pid is not mistaken for one); afterwards the index folder still builds and answers.

Every wait is bounded. Only local files and processes are used.

Usage::

    python benchmarks/abuse_index.py                        # both parts, prints a table
    python benchmarks/abuse_index.py --damages 10 --kills 5 # a quick look
    python benchmarks/abuse_index.py --archive-index DIR    # + cost of the checks on a saved index
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.retrieval import integrity  # noqa: E402
from bot.retrieval.store import CorpusIndex  # noqa: E402
from bot.retrieval.tokenize import default_tokenizer  # noqa: E402
from bot.service import open_corpus  # noqa: E402

PLACES = ["harbour", "orchard", "quarry", "lighthouse", "brewery", "observatory", "ferry", "mill", "market"]
ASKED = 3  # questions per damaged index
WAIT_S = 120.0  # the longest any one command may take
KILL_WAIT_S = 10.0  # how long workers may take to die after their parent


# ----------------------------------------------------------------------------- corpus


def make_corpus(folder: Path, articles: int, *, paragraphs: int = 3) -> list[tuple[str, str]]:
    """Write ``articles`` short made-up articles; returns (question, word its answer must hold)."""
    folder.mkdir(parents=True, exist_ok=True)
    asked = []
    for n in range(articles):
        place = PLACES[n % len(PLACES)]
        word = f"zephyrine{n}"
        body = [f"The {place} council counted {n * 7 + 3} visitors at the {word} fair on Sunday."]
        body += [
            f"Paragraph {p} notes that the {place} of district {n} opened a new hall for the season."
            for p in range(1, paragraphs)
        ]
        (folder / f"story-{n:05d}.md").write_text(
            f"---\ntitle: The {place} fair number {n}\n---\n" + "\n\n".join(body) + "\n", encoding="utf-8"
        )
        asked.append((f"How many visitors did the {place} council count at the {word} fair?", word))
    return asked


def bot_command(*args: str) -> list[str]:
    return [sys.executable, "-m", "bot", *args]


def child_env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT)}


# ----------------------------------------------------------------------------- damages


def _npy_data_offset(path: Path) -> int:
    with open(path, "rb") as fh:
        fmt = np.lib.format
        header = fmt.read_array_header_1_0 if fmt.read_magic(fh) == (1, 0) else fmt.read_array_header_2_0
        header(fh)
        return fh.tell()


def damage(index_dir: Path, rng: random.Random) -> tuple[str, str]:
    """Damage one file of the current build (or its pointer) in a random way; returns (kind, file)."""
    pointer = index_dir / "CURRENT"
    build = index_dir / pointer.read_text(encoding="utf-8").strip()
    targets = [*sorted(p for p in build.iterdir() if p.name != integrity.STAMP), pointer]
    while True:
        path = rng.choice(targets)
        before = path.read_bytes()
        kinds = ["truncate", "empty", "flip", "garbage", "append", "delete"]
        if path.suffix == ".npy" and np.load(path, mmap_mode="r").dtype.kind in "iu" and len(before) > 200:
            kinds += ["negative"] * 3
        kind = rng.choice(kinds)
        if kind == "delete":
            path.unlink()
            return kind, path.name
        data = bytearray(before)
        if kind == "truncate" and data:
            del data[rng.randrange(len(data)) :]
        elif kind == "empty":
            data = bytearray()
        elif kind == "flip" and data:
            for _ in range(rng.randint(1, 8)):
                data[rng.randrange(len(data))] ^= rng.randint(1, 255)
        elif kind == "garbage" and data:
            lo = rng.randrange(len(data))
            hi = min(len(data), lo + rng.randint(1, 64))
            data[lo:hi] = bytes(rng.randrange(256) for _ in range(hi - lo))
        elif kind == "append":
            data += bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
        elif kind == "negative":
            start = _npy_data_offset(path)
            values = np.frombuffer(bytes(data[start:]), dtype=np.load(path, mmap_mode="r").dtype).copy()
            picked = rng.sample(range(len(values)), k=min(len(values), rng.randint(1, 16)))
            # Negative where the type allows it, else its largest value (unsigned flags).
            info = np.iinfo(values.dtype) if values.dtype.kind in "iu" else None
            bad = -rng.randint(1, 2**30) if info is None or info.min < 0 else info.max
            values[picked] = max(bad, info.min) if info is not None else bad
            data[start:] = values.tobytes()
        if path == pointer and bytes(data).strip() == before.strip():
            continue  # same name once stripped: not a damage
        if bytes(data) != before:
            path.write_bytes(bytes(data))
            return kind, path.name


def run_damages(count: int, rng: random.Random, work: Path) -> list[dict[str, Any]]:
    corpus = work / "damage-corpus"
    asked = make_corpus(corpus, 40)
    tokenizer = default_tokenizer()
    results = []
    for case in range(count):
        index_dir = work / f"damaged-{case:03d}"
        open_corpus(corpus, index_dir, tokenizer, workers=1)
        kind, name = damage(index_dir, rng)
        questions = rng.sample(asked, ASKED)
        start = time.perf_counter()
        try:
            run = subprocess.run(
                bot_command("ask", "--json", "--top", "1", "--corpus", str(corpus), "--index-dir", str(index_dir)),
                input="".join(q + "\n" for q, _ in questions), capture_output=True, text=True, timeout=WAIT_S,
                cwd=ROOT, env=child_env(), check=False,
            )
            code, out, err = run.returncode, run.stdout, run.stderr
        except subprocess.TimeoutExpired:
            code, out, err = None, "", "timed out"
        seconds = time.perf_counter() - start
        warnings = [line for line in err.splitlines() if line.startswith("warning:")]
        right = 0
        for line, (_, word) in zip(out.splitlines(), questions, strict=False):
            answers = json.loads(line).get("answers") or [{}]
            right += word in answers[0].get("sentence", "")
        reopened = open_corpus(corpus, index_dir, tokenizer, workers=1)
        ok = code == 0 and len(warnings) == 1 and right == ASKED and not reopened.rebuilt and not reopened.warnings
        results.append({
            "kind": kind, "file": name, "ok": ok, "exit": code, "warnings": len(warnings), "right": right,
            "seconds": seconds, "detail": "" if ok else (err.strip().splitlines() or [""])[-1][:160],
        })  # fmt: skip
        shutil.rmtree(index_dir, ignore_errors=True)
    return results


# ----------------------------------------------------------------------------- kills


def process_info(pid: int) -> tuple[str, int, str] | None:
    """(state, parent pid, start time) of a live or zombie process, from /proc; None once gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return fields[0], int(fields[1]), fields[19]


def children(pid: int) -> dict[int, str]:
    """Running children of ``pid``: pid -> start time."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (info := process_info(int(entry))) is not None:
            state, parent, started = info
            if parent == pid and state not in ("Z", "X"):
                found[int(entry)] = started
    return found


def running(pid: int, started: str) -> bool:
    info = process_info(pid)
    return info is not None and info[2] == started and info[0] not in ("Z", "X")


def run_kills(count: int, rng: random.Random, work: Path) -> list[dict[str, Any]]:
    corpus = work / "kill-corpus"
    make_corpus(corpus, 1200, paragraphs=6)
    index_dir = work / "kill-index"
    results = []
    for _ in range(count):
        proc = subprocess.Popen(
            bot_command("index", "--corpus", str(corpus), "--index-dir", str(index_dir)),
            cwd=ROOT, env=child_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        workers: dict[int, str] = {}
        deadline = time.monotonic() + WAIT_S
        while not workers and proc.poll() is None and time.monotonic() < deadline:
            workers = children(proc.pid)
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.5))
        workers.update(children(proc.pid))
        mid_build = proc.poll() is None and any(running(p, s) for p, s in workers.items())
        proc.send_signal(signal.SIGKILL)
        proc.wait(WAIT_S)
        killed_at = time.monotonic()
        while any(running(p, s) for p, s in workers.items()) and time.monotonic() - killed_at < KILL_WAIT_S:
            time.sleep(0.01)
        orphans = [p for p, s in workers.items() if running(p, s)]
        gone_s = time.monotonic() - killed_at
        for pid in orphans:  # only processes this benchmark started, by pid
            os.kill(pid, signal.SIGKILL)
        results.append({"mid_build": mid_build, "workers": len(workers), "orphans": orphans, "gone_s": gone_s})
    final = subprocess.run(
        bot_command("index", "--corpus", str(corpus), "--index-dir", str(index_dir)),
        cwd=ROOT, env=child_env(), capture_output=True, text=True, timeout=WAIT_S * 5, check=False,
    )
    results.append({"final_index_exit": final.returncode})
    return results


# ----------------------------------------------------------------------------- the cost of the checks


def measure_checks(index_dir: Path, *, repeats: int = 5) -> dict[str, float]:
    """Milliseconds, on a saved index: the check every load makes (sizes + the record of checks),
    reading every file for its checksum (what a first load of a copied or changed index adds),
    and the bounds checks of the loaded arrays (made after such a read)."""
    pointer = index_dir / "CURRENT"
    build = index_dir / pointer.read_text(encoding="utf-8").strip()
    files = json.loads((build / integrity.PARAMS).read_text(encoding="utf-8"))["files"]

    def timed(job: Callable[[], object]) -> float:
        start = time.perf_counter()
        job()
        return (time.perf_counter() - start) * 1e3

    every_load = statistics.median(timed(lambda: integrity.verify(build, files)) for _ in range(repeats))
    checksums = timed(lambda: [integrity.crc32_of(build / name) for name in files])
    corpus = CorpusIndex.load(index_dir, mmap=True)
    bounds = timed(lambda: integrity.check_corpus(corpus))
    load = statistics.median(timed(lambda: CorpusIndex.load(index_dir, mmap=True)) for _ in range(repeats))
    return {
        "bytes": float(sum(size for size, _ in files.values())),
        "every_load_ms": every_load,
        "all_checksums_ms": checksums,
        "bounds_ms": bounds,
        "load_ms": load,
    }


# ----------------------------------------------------------------------------- report


def run_index_abuse(*, damages: int = 50, kills: int = 20, seed: int = 15) -> dict[str, Any]:
    """Run both parts; returns the figures (``ok`` is the verdict)."""
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix="abuse-index-") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        damaged = run_damages(damages, rng, work)
        damage_s = time.perf_counter() - start
        killed = run_kills(kills, rng, work) if kills and sys.platform.startswith("linux") else []
        kill_s = time.perf_counter() - start - damage_s
    final = killed.pop()["final_index_exit"] if killed else None
    orphans = [p for k in killed for p in k["orphans"]]
    report = {
        "damages": len(damaged),
        "damages_recovered": sum(d["ok"] for d in damaged),
        "damage_kinds": dict(Counter(d["kind"] for d in damaged)),
        "damaged_files": dict(Counter(d["file"] for d in damaged)),
        "damage_failures": [d for d in damaged if not d["ok"]],
        "slowest_recovery_s": max((d["seconds"] for d in damaged), default=0.0),
        "damage_s": damage_s,
        "kills": len(killed),
        "kills_mid_build": sum(k["mid_build"] for k in killed),
        "workers_seen": sum(k["workers"] for k in killed),
        "orphans": orphans,
        "slowest_worker_exit_s": max((k["gone_s"] for k in killed), default=0.0),
        "index_after_kills_exit": final,
        "kill_s": kill_s,
    }
    report["ok"] = (
        report["damages_recovered"] == report["damages"] and not orphans and final in (0, None)
        and report["kills_mid_build"] == report["kills"]
    )  # fmt: skip
    return report


def render(report: dict[str, Any]) -> str:
    rows = [
        ("damages recovered (exit 0, one warning, right answers, clean reopen)",
         f"{report['damages_recovered']}/{report['damages']}"),
        ("damage kinds", ", ".join(f"{k} {v}" for k, v in sorted(report["damage_kinds"].items()))),
        ("files damaged", ", ".join(f"{k} {v}" for k, v in sorted(report["damaged_files"].items()))),
        ("slowest damaged ask (process start + rebuild + answers)", f"{report['slowest_recovery_s']:.2f} s"),
        ("kill -9 of `index` mid-build", f"{report['kills_mid_build']}/{report['kills']}"),
        ("workers seen at the kills", str(report["workers_seen"])),
        ("workers left running after their parent's kill", str(len(report["orphans"]))),
        ("slowest worker exit after the kill", f"{report['slowest_worker_exit_s'] * 1e3:.0f} ms"),
        ("`index` after the kills exits", str(report["index_after_kills_exit"])),
        ("time (damages / kills)", f"{report['damage_s']:.0f} s / {report['kill_s']:.0f} s"),
        ("verdict", "ok" if report["ok"] else "FAILED"),
    ]  # fmt: skip
    width = max(len(label) for label, _ in rows)
    lines = [f"{label:<{width}}  {value}" for label, value in rows]
    lines += [f"  failed: {d['kind']} {d['file']}: exit {d['exit']}, {d['warnings']} warnings, "
              f"{d['right']}/{ASKED} right: {d['detail']}" for d in report["damage_failures"]]  # fmt: skip
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--damages", type=int, default=50)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--archive-index", type=Path, help="also time the checks on this saved index")
    args = parser.parse_args(argv)
    report = run_index_abuse(damages=args.damages, kills=args.kills, seed=args.seed)
    print(render(report))
    if args.archive_index:
        cost = measure_checks(args.archive_index)
        print(f"checks on {args.archive_index} ({cost['bytes'] / 1e6:.0f} MB of files):")
        print(f"  every load (sizes + record of checks)   {cost['every_load_ms']:.2f} ms")
        print(f"  whole load, memory-mapped               {cost['load_ms']:.0f} ms")
        print(f"  every checksum (first load of a copy)   {cost['all_checksums_ms']:.0f} ms")
        print(f"  bounds checks (after such a read)       {cost['bounds_ms']:.0f} ms")
        report["archive_checks"] = cost
    print(json.dumps({k: v for k, v in report.items() if k != "damage_failures"}))
    return 0 if report["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
