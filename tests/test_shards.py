"""Parsing and checking the shards a process runs (``--shard-count N --shards 0,1``)."""

import pytest

from bot.shards import ShardPlan, parse_count, parse_ids, shard_of, shard_plan, spans

NAMES = ("--shard-count", "--shards")


def test_ids_take_lists_and_ranges():
    assert parse_ids("0,1", "--shards") == (0, 1)
    assert parse_ids(" 2 ", "--shards") == (2,)
    assert parse_ids("0-3, 7", "--shards") == (0, 1, 2, 3, 7)


@pytest.mark.parametrize("text", ["", "a", "1,,2", "-1", "3-1", "1.5", "0x1", "１"])
def test_bad_ids_are_one_line_naming_the_option(text):
    with pytest.raises(ValueError, match=r"^--shards must be shard ids such as 0,1 or 0-3, got") as caught:
        parse_ids(text, "--shards")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("text", ["0", "-2", "two", "100001", ""])
def test_bad_counts(text):
    with pytest.raises(ValueError, match=r"^NEWSBOT_SHARD_COUNT must be a whole number between 1 and 100,000"):
        parse_count(text, "NEWSBOT_SHARD_COUNT")


def test_plan_checks_range_duplicates_and_a_missing_count():
    assert shard_plan(2, (1, 0), names=NAMES) == ShardPlan(2, (0, 1))
    assert shard_plan(None, None, names=NAMES) == ShardPlan(None, None)
    assert shard_plan(4, None, names=NAMES) == ShardPlan(4, None)
    with pytest.raises(ValueError, match=r"^--shards needs --shard-count"):
        shard_plan(None, (0,), names=NAMES)
    with pytest.raises(ValueError, match=r"^--shards must be between 0 and 1 with --shard-count 2, got 2,5$"):
        shard_plan(2, (0, 2, 5), names=NAMES)
    with pytest.raises(ValueError, match=r"^--shards names shard 1 more than once$"):
        shard_plan(3, (1, 0, 1), names=NAMES)
    with pytest.raises(ValueError, match=r"more than 100,000"):
        parse_ids("0-100000", "--shards")


def test_describe_and_spans():
    assert ShardPlan(2, (0, 1)).describe() == "shards 0,1 of 2"
    assert ShardPlan(4, (3,)).describe() == "shard 3 of 4"
    assert ShardPlan(8, (0, 1, 2, 3, 6)).describe() == "shards 0-3,6 of 8"
    assert ShardPlan().describe() == "shards automatic"
    assert ShardPlan().describe(1) == "shard 0 of 1"  # the count Discord recommended
    assert spans((5, 1, 2)) == "1,2,5"


def test_shard_of_follows_discords_rule():
    guild = (123_456 << 22) | 99  # the low 22 bits (worker, process, increment) do not count
    assert shard_of(guild, 2) == 0 and shard_of(guild + (1 << 22), 2) == 1
    assert shard_of(guild, 1) == 0
