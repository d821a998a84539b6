"""The command line's manners: help and examples, program name, plurals, quitting the chat, JSON
errors, one key for an article id, --guild, progress without terminal frames, NO_COLOR, insights."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest

from bot.cli import main
from bot.cli_parser import EXAMPLES, build_parser, program_name
from bot.config import Settings
from bot.discord_adapter.store import BotStore, Feedback

OTTER = "---\ntitle: Otters return to the canal\n---\nA family of otters was seen in the Kestrel canal on Friday.\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(argv: list[str], settings: Settings, stdin: str = "", *, stdout: io.StringIO | None = None,
        environ: dict[str, str] | None = None, prog: str | None = None) -> tuple[int, str, str]:  # fmt: skip
    out, err = stdout or io.StringIO(), io.StringIO()
    code = main(argv, stdin=io.StringIO(stdin), stdout=out, stderr=err, settings=settings, environ=environ or {},
                prog=prog)  # fmt: skip
    return code, out.getvalue(), err.getvalue()


def test_every_command_has_examples_with_the_program_name(capsys) -> None:
    parser = build_parser("newsbot")
    for command in EXAMPLES:
        with pytest.raises(SystemExit):
            parser.parse_args([command, "--help"] if command != "corpus" else ["corpus", "add", "--help"])
        text = capsys.readouterr().out
        assert "examples:\n" in text and f"  newsbot {command}" in text, command
    assert program_name("/venv/lib/python3.11/site-packages/bot/__main__.py") == "python -m bot"
    assert program_name("/venv/bin/newsbot") == "newsbot"


def test_usage_errors_name_the_program_as_invoked(settings) -> None:
    code, _, err = run(["ask", "vance", "--top", "x"], settings, prog="newsbot")
    assert code == 2 and err.startswith("error: newsbot ask: argument --top") and err.count("\n") == 1


def test_one_article_is_singular(settings) -> None:
    code, out, _ = run(["index"], settings)
    assert code == 0 and out.startswith("indexed 1 article, ") and "1 articles" not in out
    _, out, _ = run(["chat"], settings, stdin="")
    assert out.startswith("newsbot: 1 article, ")


@pytest.mark.parametrize("word", ["quit", "exit", "q", "Q", "/quit"])
def test_chat_leaves_on_quit_words(settings, word) -> None:
    code, out, _ = run(["chat"], settings, stdin=f"{word}\nwhat did Vance say?\n")
    assert code == 0 and "walking away" not in out


def test_chat_leaves_at_the_end_of_input(settings) -> None:
    code, out, _ = run(["chat"], settings, stdin="what did Vance say?\n")  # then Ctrl-D: no more lines
    assert code == 0 and "walking away" in out


def test_eval_counts_an_expected_abstention_as_right(settings, tmp_path) -> None:
    cases = tmp_path / "cases.jsonl"
    cases.write_text(
        '{"question": "What is the capital of Australia?", "expected": null}\n'
        '{"question": "what did Vance say?", "expected": null}\n'
        '{"question": "How many drones did Russia launch?", "expected": "273"}\n',
        encoding="utf-8",
    )
    code, out, _ = run(["eval", str(cases), "--json"], settings)
    report = json.loads(out)
    assert code == 0 and report["questions"] == 3 and report["expected_abstentions"] == 2
    assert report["p_at_1"] == pytest.approx(2 / 3, abs=1e-4)  # the abstention is right, answering Vance is a miss
    assert [m["question"] for m in report["misses"]] == ["what did Vance say?"]
    _, text, _ = run(["eval", str(cases)], settings)
    assert "(2 expected)" in text and "[expected no answer, answered]" in text


@pytest.mark.parametrize(
    ("argv", "code"),
    [
        (["ask", "vance", "--top", "0", "--json"], 2),
        (["ask", "vance", "--since", "someday", "--json"], 2),
        (["ask", "vance", "--top", "many", "--json"], 2),
        (["ask", "", "--json"], 1),
        (["quotes", "Vance", "--top", "99", "--json"], 2),
        (["summary", "no such article", "--json"], 1),
        (["summary", "--json"], 2),
        (["articles", "--corpus", "/nonexistent/corpus", "--json"], 1),
        (["index", "--corpus", "/nonexistent/corpus", "--json"], 1),
        (["eval", "/nonexistent/cases.jsonl", "--json"], 1),
        (["corpus", "remove", "nothing like it", "--json"], 1),
        (["corpus", "add", "/nonexistent/file.md", "--json"], 1),
        (["sync", "--json"], 1),
        (["insights", "--days", "0", "--json"], 2),
    ],
)
def test_every_json_command_reports_errors_as_json(settings, argv, code) -> None:
    got, out, err = run(argv, settings)
    assert got == code
    (line,) = out.splitlines()
    assert json.loads(line)["error"] and err.startswith("error: ")


def test_corpus_commands_speak_json_with_the_article_key(settings, tmp_path) -> None:
    path = tmp_path / "otters.md"
    path.write_text(OTTER, encoding="utf-8")
    code, out, _ = run(["corpus", "add", str(path), "--guild", "5", "--json"], settings)
    added = json.loads(out)
    assert code == 0 and added["action"] == "add" and added["article"].startswith("g5/") and added["guild"] == 5
    _, out, _ = run(["corpus", "list", "--guild", "5", "--json"], settings)
    assert [a["article"] for a in json.loads(out)] == [added["article"]]
    _, out, _ = run(["index", "--json"], settings)
    assert set(json.loads(out)) == {"articles", "sentences"}
    _, out, _ = run(["corpus", "remove", added["article"], "--guild", "5", "--json"], settings)
    assert json.loads(out)["action"] == "remove" and json.loads(out)["article"] == added["article"]


def test_guild_shows_what_that_server_sees(settings, tmp_path) -> None:
    path = tmp_path / "otters.md"
    path.write_text(OTTER, encoding="utf-8")
    run(["corpus", "add", str(path), "--guild", "5"], settings)
    question = "Where were the otters seen?"
    _, out, _ = run(["ask", question, "--guild", "5", "--json"], settings)
    assert json.loads(out)["answers"][0]["title"] == "Otters return to the canal"
    _, out, _ = run(["ask", question, "--guild", "6", "--json"], settings)
    assert json.loads(out)["abstained"] is True
    _, out, _ = run(["articles", "--guild", "5", "--json"], settings)
    assert "Otters return to the canal" in [a["title"] for a in json.loads(out)]
    _, out, _ = run(["articles", "--json"], settings)
    assert "Otters return to the canal" not in [a["title"] for a in json.loads(out)]
    _, out, _ = run(["summary", "Otters return", "--guild", "5", "--json"], settings)
    assert json.loads(out)["title"] == "Otters return to the canal"
    _, out, _ = run(["chat", "--guild", "5"], settings, stdin=f"{question}\nquit\n")
    assert "Kestrel canal" in out


def test_progress_has_no_carriage_returns_off_a_terminal(settings) -> None:
    _, _, err = run(["index"], settings)
    assert "\r" not in err and "100%" in err
    assert all(line.count("100%") == 1 for line in err.splitlines() if "%" in line)


def test_bold_only_on_a_terminal_and_never_with_no_color(settings) -> None:
    _, out, _ = run(["ask", "what did Vance say?"], settings, stdout=Terminal())
    assert "\033[1m" in out
    _, out, _ = run(["ask", "what did Vance say?"], settings, stdout=Terminal(), environ={"NO_COLOR": "1"})
    assert "\033[" not in out


def test_insights_command_reads_what_the_bot_recorded(settings) -> None:
    code, out, _ = run(["insights"], settings)
    assert code == 0 and "nothing asked yet" in out
    store = BotStore.open(settings.data_dir)
    today = dt.date.today()
    for guild, question, answered in ((1, "ferry times?", False), (1, "Ferry times", False), (2, "bridge?", True)):
        store.record_question(guild, question, answered=answered, today=today, keep_days=30)
    store.add_feedback(Feedback(message_id=9, user_id=3, guild_id=1, channel_id=4, question="ferry times?",
                                citations="", helpful=False))  # fmt: skip
    code, out, _ = run(["insights", "--guild", "1", "--json"], settings)
    data = json.loads(out)
    assert code == 0 and data["guild"] == 1 and data["since"] == (today - dt.timedelta(days=29)).isoformat()
    assert data["days"] and data["total"] == {"asked": 2, "answered": 0, "abstained": 2, "helpful": 0, "not_helpful": 1}
    assert data["most_asked"] == [{"question": "ferry times?", "count": 2}]
    assert data["gaps"][0]["words"][:2] == ["ferry", "times"] and data["gaps"][0]["count"] == 2
    _, out, _ = run(["insights"], settings)
    assert "Questions in every server, last 30 days" in out and "total" in out and "Coverage gaps" in out


def test_progress_bar_frames_on_a_terminal() -> None:
    from bot.progress import ProgressBar

    live, file = Terminal(), io.StringIO()
    for stream in (live, file):
        bar = ProgressBar(stream, interval=0.0)
        for done in range(0, 11):
            bar("ingest", done, 10)
    assert live.getvalue().count("\r") == 11 and file.getvalue().count("\n") == 1 and "\r" not in file.getvalue()


