from tests.e2e.fake_discord import FakeDiscord


async def test_connects_and_syncs_to_dev_guild(fake: FakeDiscord, bot) -> None:
    names = sorted(c["name"] for c in fake.commands[fake.guild_id])
    assert names == [
        "about",
        "articles",
        "ask",
        "config",
        "corpus",
        "feeds",
        "help",
        "insights",
        "quotes",
        "summary",
        "topic",
    ]
    assert None not in fake.commands  # never synced globally on start
