from pathlib import Path

import pytest

from bot.config import Settings, SettingsError, load_settings, read_env_file

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_without_anything():
    settings = load_settings({}, env_file=None)
    assert settings == Settings()
    assert settings.discord_token is None


def test_environment_overrides_env_file(tmp_path):
    env = tmp_path / ".env"
    env.write_text("# comment\nDISCORD_TOKEN=from-file\nexport NEWSBOT_CORPUS_DIR='articles'\n"
                   "DISCORD_DEV_GUILD_ID=123 # dev server\n", encoding="utf-8")
    settings = load_settings({"DISCORD_TOKEN": "from-env"}, env_file=env)
    assert settings.discord_token == "from-env"
    assert settings.corpus_dir == Path("articles")
    assert settings.discord_dev_guild_id == 123


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"DISCORD_DEV_GUILD_ID": "abc"}, "DISCORD_DEV_GUILD_ID"),
        ({"DISCORD_MESSAGE_CONTENT": "maybe"}, "true or false"),
    ],
)
def test_bad_values_are_explained(environ, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ, env_file=None)


def test_malformed_env_file_line(tmp_path):
    env = tmp_path / ".env"
    env.write_text("JUSTAWORD\n", encoding="utf-8")
    with pytest.raises(SettingsError, match=":1:"):
        read_env_file(env)


def test_env_example_lists_every_setting_with_a_comment():
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    lines = text.splitlines()
    keys = [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]
    for i, line in enumerate(lines):
        if line and not line.startswith("#"):
            assert lines[i - 1].startswith("#"), f"{line} has no comment"
    source = (ROOT / "bot" / "config.py").read_text(encoding="utf-8")
    import re

    used = set(re.findall(r'"((?:DISCORD|NEWSBOT)_[A-Z_]+)"', source))
    assert used == set(keys)
    assert all(not v.split("=", 1)[1] or v.startswith(("DISCORD_MESSAGE", "NEWSBOT")) for v in lines if "=" in v
               and not v.startswith("#"))


def test_insights_days_and_about_links():
    settings = load_settings(
        {"NEWSBOT_INSIGHTS_DAYS": "0", "NEWSBOT_INVITE_URL": "https://discord.example/invite"}, env_file=None
    )
    assert settings.insights_days == 0 and settings.invite_url == "https://discord.example/invite"
    assert settings.support_url is None and Settings().insights_days == 30
    for environ, message in (
        ({"NEWSBOT_INSIGHTS_DAYS": "-1"}, "NEWSBOT_INSIGHTS_DAYS must be a number of days between 0 and 3650"),
        ({"NEWSBOT_INSIGHTS_DAYS": "a month"}, "NEWSBOT_INSIGHTS_DAYS"),
        ({"NEWSBOT_SUPPORT_URL": "discord.gg/x"}, "NEWSBOT_SUPPORT_URL must be an http(s) link"),
    ):
        with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
            load_settings(environ, env_file=None)
