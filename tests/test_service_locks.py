"""Processes building the index of one folder at the same time do not break each other's builds."""

from bot.retrieval.store import CorpusIndex
from bot.service import build_service
from tests.concurrent_worker import start_together


def test_processes_rebuilding_one_index_all_succeed(tiny_corpus, tmp_path):
    index = tmp_path / "index"
    runs = start_together([["index", str(tiny_corpus), str(index), "5"] for _ in range(3)], delay=5.0)
    assert [code for code, _, _ in runs] == [0, 0, 0], [err.strip().splitlines()[-1:] for _, _, err in runs]
    assert CorpusIndex.load(index).articles
    leftovers = sorted(p.name for p in index.iterdir() if p.name.startswith(("tmp-", "build-")))
    assert len(leftovers) == 1 and leftovers[0].startswith("build-"), leftovers
    answer = build_service(tiny_corpus, index).ask("How many vehicles will the bridge carry?")
    assert "30,000 vehicles" in answer.excerpts[0].sentence
