"""The command line, run in-process through ``bot.cli.main`` with captured streams."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from bot.cli import build_parser, main
from bot.config import Settings


def run(argv: list[str], settings: Settings, stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out, stderr=err, settings=settings)
    return code, out.getvalue(), err.getvalue()


def test_vance_question_answers_first_with_his_statement(settings):
    code, out, _ = run(["ask", "what did Vance say?", "--json"], settings)
    assert code == 0
    result = json.loads(out)
    assert result["abstained"] is False
    first = result["answers"][0]
    assert "JD Vance said Trump is more than open to walking away" in first["sentence"]
    assert first["title"].startswith("Trump and Putin")
    assert first["published"] == "2025-05-19"
    assert first["url"] is None
    assert first["sentence"] in first["text"]
    assert isinstance(first["position"], int) and first["position"] >= 1
    assert set(first) >= {"text", "sentence", "article", "title", "url", "published", "position", "score"}


def test_drones_question_finds_273(settings):
    code, out, _ = run(["ask", "How many drones did Russia launch?", "--json"], settings)
    assert code == 0
    result = json.loads(out)
    assert "273 drones" in result["answers"][0]["text"]


def test_when_question_gets_the_day_the_sentence_means(settings):
    code, out, _ = run(["ask", "When did Russia launch 273 drones?", "--json"], settings)
    assert code == 0
    first = json.loads(out)["answers"][0]
    assert "on Sunday (May 18)" in first["sentence"] and first["published"] == "2025-05-19"
    assert first["dates"] == [{"phrase": "Sunday", "start": "2025-05-18", "end": "2025-05-18"}]


def test_unanswerable_question_abstains(settings):
    code, out, _ = run(["ask", "What is the capital of Australia?", "--json"], settings)
    assert code == 0
    result = json.loads(out)
    assert result["abstained"] is True
    assert result["answers"] == []


def test_text_output_quotes_and_cites(settings):
    code, out, _ = run(["ask", "what did Vance say?", "--top", "1"], settings)
    assert code == 0
    assert out.startswith("[1] ")
    assert "walking away" in out
    assert "Trump and Putin hold a two-hour phone call" in out
    assert "(19 May 2025)" in out


def test_abstention_text_says_not_in_the_articles(settings):
    _, out, _ = run(["ask", "What is the capital of Australia?"], settings)
    assert "Not in the articles I have" in out


def test_questions_from_stdin_give_one_json_line_each(settings):
    code, out, _ = run(["ask", "--json"], settings, stdin="what did Vance say?\n\nHow many drones did Russia launch?\n")
    assert code == 0
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["question"] for line in lines] == ["what did Vance say?", "How many drones did Russia launch?"]


@pytest.mark.parametrize(
    ("question", "needle"),
    [("", "empty"), ("   \t ", "empty"), ("x" * 100_000, "100,000 characters"), ("\x00\x01\x1b", "empty")],
)
def test_bad_questions_give_one_line_and_nonzero_exit(settings, question, needle):
    code, _out, err = run(["ask", question], settings)
    assert code != 0
    assert needle in err
    assert err.count("\n") == 1


def test_control_characters_inside_a_question_are_ignored(settings):
    code, out, _ = run(["ask", "what did\x07 Vance\u200b say?\x1b", "--json"], settings)
    assert code == 0
    assert "Vance" in json.loads(out)["answers"][0]["sentence"]


def test_missing_corpus_folder(settings, tmp_path):
    code, _, err = run(["ask", "anything", "--corpus", str(tmp_path / "nope")], settings)
    assert code == 1
    assert "does not exist" in err and err.count("\n") == 1


def test_empty_corpus_folder(settings, tmp_path):
    (tmp_path / "empty").mkdir()
    code, _, err = run(["ask", "anything", "--corpus", str(tmp_path / "empty")], settings)
    assert code == 1
    assert "holds no .md or .txt article" in err


def test_only_non_utf8_file_fails_with_its_name(settings, tmp_path):
    corpus = tmp_path / "c"
    corpus.mkdir()
    (corpus / "latin1.txt").write_bytes("Caf\xe9 prices rose.".encode("latin-1"))
    code, _, err = run(["ask", "cafe prices", "--corpus", str(corpus)], settings)
    assert code == 1
    assert "latin1.txt" in err and "not UTF-8" in err


def test_one_bad_file_among_many_is_a_warning(settings, tiny_corpus):
    (tiny_corpus / "broken.txt").write_bytes(b"\xff\xfe\x00\x00garbage")
    code, out, err = run(["ask", "How many cables had corrosion?", "--corpus", str(tiny_corpus), "--json"], settings)
    assert code == 0
    assert "warning:" in err and "broken.txt" in err
    assert "112" in json.loads(out)["answers"][0]["text"]


def test_index_command_builds_and_reports(settings, tiny_corpus):
    code, out, err = run(["index", "--corpus", str(tiny_corpus)], settings)
    assert code == 0
    assert "indexed 5 articles" in out
    assert "100%" in err  # the progress bar reached the end


def test_corpus_change_triggers_rebuild(settings, tiny_corpus):
    run(["index", "--corpus", str(tiny_corpus)], settings)
    (tiny_corpus / "new.txt").write_text("The zebra crossing on Mill Street was repainted in violet.", encoding="utf-8")
    code, out, _ = run(["ask", "What colour was the zebra crossing repainted?", "--corpus", str(tiny_corpus), "--json"],
                       settings)
    assert code == 0
    assert "violet" in json.loads(out)["answers"][0]["sentence"]


def test_summary_command(settings):
    code, out, _ = run(["summary", "trump and putin", "--json", "--sentences", "2"], settings)
    assert code == 0
    data = json.loads(out)
    assert data["title"].startswith("Trump and Putin")
    assert len(data["sentences"]) == 2
    positions = [s["position"] for s in data["sentences"]]
    assert positions == sorted(positions)


def test_summary_of_unknown_article(settings):
    code, _, err = run(["summary", "no such article"], settings)
    assert code == 1 and "no article matches" in err


def test_articles_command(settings):
    code, out, _ = run(["articles", "--json"], settings)
    assert code == 0
    assert [a["article"] for a in json.loads(out)] == ["trump-putin-call-2025-05-19"]  # the key used everywhere


def test_chat_answers_questions_and_commands(settings):
    code, out, _ = run(["chat"], settings, stdin="what did Vance say?\n/articles\n/help\n/about prisoner swap\n/quit\n")
    assert code == 0
    assert "walking away" in out
    assert "About 'prisoner swap'" in out and "1,000 detainees" in out
    assert "trump-putin-call-2025-05-19" in out
    assert "/summary" in out


def test_run_without_token_starts_the_console(settings):
    code, out, err = run(["run"], settings, stdin="How many drones did Russia launch?\n")
    assert code == 0
    assert "DISCORD_TOKEN is not set" in err
    assert "273 drones" in out


def test_every_command_and_option_has_help():
    import argparse

    def check(parser: argparse.ArgumentParser, path: str) -> None:
        for action in parser._actions:
            assert action.help, f"{path} {action.dest}"
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    assert sub.description, f"{path} {name}"
                    check(sub, f"{path} {name}")

    check(build_parser(), "newsbot")


def test_bad_top_value(settings):
    code, _, err = run(["ask", "vance", "--top", "0"], settings)
    assert code == 2 and "--top" in err


def test_index_dir_default_is_per_corpus(settings, tiny_corpus):
    run(["index", "--corpus", str(tiny_corpus)], settings)
    run(["index"], settings)
    assert len([p for p in Path(settings.index_dir).iterdir() if p.is_dir()]) == 2


def test_ask_since_until_limit_the_articles_and_name_the_period(settings):
    argv = ["ask", "what did Vance say?", "--json", "--since", "May 2025", "--until", "2025-05-31"]
    code, out, _ = run(argv, settings)
    assert code == 0
    result = json.loads(out)
    assert result["period"] == {"start": "2025-05-01", "end": "2025-05-31", "label": "1–31 May 2025"}
    assert result["answers"] and all(a["published"].startswith("2025-05") for a in result["answers"])
    code, out, _ = run(["ask", "what did Vance say?", "--since", "2030"], settings)
    assert code == 0
    assert out.startswith("Searched articles since 1 January 2030.")
    assert "no article I have was published since 1 January 2030" in out


def test_ask_with_an_unreadable_since_is_a_one_line_usage_error(settings):
    code, out, err = run(["ask", "what did Vance say?", "--since", "whenever"], settings)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("error: since: cannot read 'whenever' as a date")


def test_json_lines_with_conversation_ids_form_conversations(settings):
    lines = [
        {"conversation": "a", "question": "What did Vance say?"},
        {"conversation": "b", "question": "How many drones did Russia launch?"},
        {"conversation": "a", "question": "And Peskov?"},
        {"conversation": "b", "question": "When was that?"},
    ]
    stdin = "".join(json.dumps(x) + "\n" for x in lines) + "And Peskov?\n"
    code, out, _ = run(["ask", "--json", "--top", "1"], settings, stdin=stdin)
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r.get("conversation") for r in rows] == ["a", "b", "a", "b", None]
    assert rows[2]["resolved_question"].startswith("What did Peskov say?")
    assert rows[2]["answers"][0]["speaker"] == "Dmitry Peskov"
    assert rows[3]["resolved_question"].startswith("when was that?")
    assert rows[3]["answers"][0]["article"] == rows[1]["answers"][0]["article"]
    assert rows[4]["resolved_question"] == "And Peskov?"  # a plain line stands alone


def test_a_broken_json_line_is_one_error_line(settings):
    code, out, err = run(["ask", "--json"], settings, stdin='{"conversation": 1\n')
    assert code == 1
    assert "JSON line must be an object" in json.loads(out)["error"]
    assert err.count("\n") == 1


def test_chat_follow_ups_and_new(settings):
    stdin = "What did Trump write after the call?\nWhat else did he write?\n/new\nWhat else did he write?\n"
    code, out, _ = run(["chat"], settings, stdin=stdin)
    assert code == 0
    assert out.count("(understood as: What else did Donald Trump write?") == 1
    assert "(a new conversation)" in out


@pytest.mark.parametrize(
    ("argv", "shard_count", "message"),
    [
        (["--shards", "0"], None, "error: --shards needs --shard-count"),
        (["--shard-count", "2", "--shards", "0,2"], None, "must be between 0 and 1 with --shard-count 2, got 2"),
        (["--shard-count", "2", "--shards", "1,1"], None, "--shards names shard 1 more than once"),
        (["--shard-count", "none"], None, "--shard-count must be a whole number between 1 and 100,000"),
        (["--shards", "3"], 2, "--shards must be between 0 and 1 with --shard-count 2, got 3"),  # NEWSBOT_SHARD_COUNT=2
    ],
)
def test_run_refuses_bad_shards_in_one_line_before_loading_anything(tmp_path, argv, shard_count, message):
    settings = Settings(corpus_dir=tmp_path / "missing", data_dir=tmp_path / "data", shard_count=shard_count)
    code, _, err = run(["run", *argv], settings)
    assert code == 2
    assert err.count("\n") == 1 and message in err, err
