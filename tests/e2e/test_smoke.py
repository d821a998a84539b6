from tests.e2e.fake_discord import FakeDiscord
from tests.e2e.helpers import SLASH_COMMANDS


async def test_connects_and_syncs_to_dev_guild(fake: FakeDiscord, bot) -> None:
    names = sorted(c["name"] for c in fake.commands[fake.guild_id])
    assert names == SLASH_COMMANDS
    assert None not in fake.commands  # never synced globally on start
