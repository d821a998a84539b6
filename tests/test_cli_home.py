"""Running from another folder: NEWSBOT_HOME, and the error when the corpus is not where it is looked for."""

from __future__ import annotations

import io
import shutil

from bot.cli import main
from tests.conftest import TINY_CORPUS


def test_commands_run_from_another_folder_with_newsbot_home(tmp_path, monkeypatch):
    home, elsewhere = tmp_path / "home", tmp_path / "elsewhere"
    shutil.copytree(TINY_CORPUS, home / "corpus")
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.setenv("NEWSBOT_HOME", str(home))
    for key in ("NEWSBOT_CORPUS_DIR", "NEWSBOT_INDEX_DIR", "NEWSBOT_DATA_DIR"):
        monkeypatch.delenv(key, raising=False)
    out, err = io.StringIO(), io.StringIO()
    assert main(["articles", "--json"], stdout=out, stderr=err) == 0, err.getvalue()
    assert out.getvalue().startswith("[")
    assert (home / ".newsbot" / "index").is_dir()  # the index is saved in the data folder
    assert not (elsewhere / ".newsbot").exists()


def test_missing_corpus_says_where_it_looked_and_how_to_point_elsewhere(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for key in ("NEWSBOT_HOME", "NEWSBOT_CORPUS_DIR", "NEWSBOT_INDEX_DIR", "NEWSBOT_DATA_DIR"):
        monkeypatch.delenv(key, raising=False)
    err = io.StringIO()
    assert main(["articles"], stdout=io.StringIO(), stderr=err) == 1
    line = err.getvalue()
    assert line.count("\n") == 1
    assert str(tmp_path / "corpus") in line
    assert f"the working folder {tmp_path}" in line
    assert "NEWSBOT_HOME" in line and "--corpus" in line
