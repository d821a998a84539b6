"""Corpus files: links out of the folder, files vanishing mid-scan, and reads within size limits (issue 15, item 8)."""

import gzip
import io
import json
import os

import pytest

from bot.cli import main
from bot.errors import CorpusError
from bot.ingest import loaders
from bot.ingest.files import read_limited, scan_corpus
from bot.ingest.loaders import load_corpus


def test_links_out_of_the_corpus_folder_are_refused_and_links_inside_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("The launch code is swordfish. Nobody may read it.", encoding="utf-8")
    corpus = tmp_path / "corpus"
    (corpus / "sub").mkdir(parents=True)
    (corpus / "sub" / "real.txt").write_text("The ferry sails at noon.", encoding="utf-8")
    (corpus / "leak.txt").symlink_to(secret)
    (corpus / "alias.txt").symlink_to(corpus / "sub" / "real.txt")
    (corpus / "outside-dir").symlink_to(tmp_path, target_is_directory=True)  # never entered
    report = load_corpus(corpus)
    assert sorted(a.meta.id for a in report.articles) == ["alias", "sub/real"]
    assert not any("swordfish" in a.text for a in report.articles)
    assert len(report.warnings) == 1 and "leak.txt" in report.warnings[0] and "outside" in report.warnings[0]
    assert [f.path.name for f in scan_corpus(corpus).files] == ["alias.txt", "real.txt"]


def _vanish_after_first_look(monkeypatch, victim):
    """Delete ``victim`` right after the first time anything stats it: it was listed, then it was gone."""
    real_stat, gone = os.stat, []

    def stat(path, *args, **kwargs):
        result = real_stat(path, *args, **kwargs)
        if not gone and os.fspath(path) == os.fspath(victim):
            gone.append(victim)
            os.unlink(victim)
        return result

    monkeypatch.setattr(os, "stat", stat)


@pytest.mark.parametrize("command", ["ask", "index", "run"])
def test_a_file_that_vanishes_during_the_scan_is_skipped_with_a_warning(tiny_corpus, settings, monkeypatch, command):
    victim = tiny_corpus / "library-robot.md"
    _vanish_after_first_look(monkeypatch, victim)
    out, err = io.StringIO(), io.StringIO()
    question = "How many vehicles will the bridge carry?"
    argv = [command, "--corpus", str(tiny_corpus), *([question] if command == "ask" else [])]
    stdin = io.StringIO(question + "\n" if command == "run" else "")  # ``run`` without a token: the console chat
    assert main(argv, stdin=stdin, stdout=out, stderr=err, settings=settings) == 0, err.getvalue()
    warnings = [line for line in err.getvalue().splitlines() if line.startswith("warning: ")]
    assert len(warnings) == 1 and "library-robot.md" in warnings[0] and warnings[0].startswith("warning: skipped")
    assert ("indexed 4 articles" if command == "index" else "30,000 vehicles") in out.getvalue()


def test_corpus_add_of_a_device_or_fifo_is_refused_at_once(settings, tmp_path):
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)  # opening it to read would wait for a writer forever
    for source in ("/dev/zero", str(fifo)):
        err = io.StringIO()
        assert main(["corpus", "add", source], stdout=io.StringIO(), stderr=err, settings=settings) == 1
        assert "not a regular file" in err.getvalue() and err.getvalue().count("\n") == 1
    assert not (settings.data_dir / "articles.sqlite3").exists()  # refused before anything was opened


def test_reads_stop_at_the_limit(tmp_path, monkeypatch):
    big = tmp_path / "big.txt"
    with open(big, "wb") as fh:
        fh.truncate(50_000_000_000)  # sparse: reading it whole would need 50 GB
    with pytest.raises(CorpusError, match="over the 5,000,000-byte limit"):
        read_limited(big, limit=5_000_000)
    # A file that grows after its size was taken: the read itself stops past the limit.
    grown = tmp_path / "grown.txt"
    grown.write_bytes(b"x" * 20)
    real_fstat = os.fstat

    def stale_fstat(fd):
        st = real_fstat(fd)
        return os.stat_result((st.st_mode, st.st_ino, st.st_dev, st.st_nlink, st.st_uid, st.st_gid, 0, 0, 0, 0))

    monkeypatch.setattr(os, "fstat", stale_fstat)
    with pytest.raises(CorpusError, match="more than 10 bytes"):
        read_limited(grown, limit=10)
    assert read_limited(grown, limit=20) == b"x" * 20


def _archive(path, records):
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        for record in records:
            fh.write(json.dumps(record) + "\n")


def test_archive_records_over_the_limit_are_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "MAX_ARTICLE_BYTES", 200)
    _archive(
        tmp_path / "part.jsonl.gz",
        [
            {"id": "big", "title": "Big", "text": "word " * 100},
            {"id": "ok", "title": "Fine", "text": "The ferry sails at noon."},
        ],
    )
    report = load_corpus(tmp_path)
    assert [a.meta.id for a in report.articles] == ["ok"]
    assert report.warnings == (f"skipped line 1 of {tmp_path / 'part.jsonl.gz'}: over the 200-byte limit",)


def test_archive_reading_stops_past_the_total_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "MAX_ARCHIVE_BYTES", 1_000)
    records = [{"id": f"r{i}", "title": f"R {i}", "text": f"Record number {i} is a short one."} for i in range(100)]
    _archive(tmp_path / "part.jsonl.gz", records)
    report = load_corpus(tmp_path)
    assert 0 < len(report.articles) < 100
    assert len(report.warnings) == 1 and "stopped reading" in report.warnings[0] and "1,000 bytes" in report.warnings[0]


def test_one_endless_line_costs_no_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(loaders, "MAX_ARTICLE_BYTES", 1_000)
    path = tmp_path / "bomb.jsonl.gz"
    with gzip.open(path, "wb") as fh:  # 20 MB of one line, with no line break: a gzip bomb in small
        fh.write(b'{"id": "x", "text": "' + b"a" * 20_000_000)
    warnings: list[str] = []
    assert list(loaders.read_archive(path, warnings=warnings)) == []
    assert warnings == [f"skipped line 1 of {path}: over the 1,000-byte limit"]
