"""Rendering of /about and /insights: pure functions over small values."""

from __future__ import annotations

from bot.discord_adapter.render_admin import AboutInfo, duration, render_about, render_insights_embed
from bot.insights import AskedQuestion, build_insights


def test_duration_shows_the_two_largest_units() -> None:
    assert [duration(s) for s in (0, 59, 61, 3_600 * 2 + 300, 86_400 * 3 + 3_600 * 4 + 59)] == [
        "0 s", "59 s", "1 min", "2 h 5 min", "3 d 4 h"
    ]


def test_about_without_links_or_latency() -> None:
    info = AboutInfo(version="1.2", articles=1, servers=3, uptime_s=90, latency_s=float("nan"))
    fields = {f.name: f.value for f in render_about(info).fields}
    assert fields == {"Articles": "1 article", "Servers": "3", "Uptime": "1 min", "Latency": "unknown"}


def test_about_refuses_links_that_are_not_web_links() -> None:
    info = AboutInfo(version="1", articles=2, servers=1, uptime_s=1, latency_s=0.0424,
                     invite_url="javascript:alert(1)", support_url="https://support.example/")  # fmt: skip
    fields = {f.name: f.value for f in render_about(info).fields}
    assert fields["Latency"] == "42 ms" and fields["Links"] == "[Support](https://support.example/)"


def test_insights_embed_escapes_questions_and_stays_within_limits() -> None:
    asked = [AskedQuestion(1, f"2026-11-{d:02d}", f"**bold** question {d} " + "x" * 200, False) for d in range(1, 29)]
    embed = render_insights_embed(build_insights(asked, []), days=30)
    assert embed.title == "Insights: the last 30 days"
    assert "\\*\\*bold\\*\\*" in embed.fields[1].value
    assert all(len(f.value) <= 1024 for f in embed.fields)
    empty = render_insights_embed(build_insights([], []), days=1)
    assert empty.title == "Insights: the last 1 day" and empty.description == "Nothing asked yet."


def test_about_names_the_shard_only_when_there_are_several() -> None:
    def shard_field(**shards: object) -> str | None:
        info = AboutInfo(version="1", articles=1, servers=1, uptime_s=1, latency_s=0.01, **shards)  # type: ignore[arg-type]
        return {f.name: f.value for f in render_about(info).fields}.get("Shard")

    assert shard_field() is None
    assert shard_field(shard=0, shard_count=1, process_shards="0") is None  # one shard: nothing to say
    assert shard_field(shard=3, shard_count=4, process_shards="2,3") == "3 of 4 (this process: 2,3)"
    assert shard_field(shard=None, shard_count=4, process_shards="0-3") == "4 in all (this process: 0-3)"  # a DM
