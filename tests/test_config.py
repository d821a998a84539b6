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
        ({"NEWSBOT_COMPACT_SHARE": "10%"}, "NEWSBOT_COMPACT_SHARE must be a share between 0 and 1"),
        ({"NEWSBOT_COMPACT_SHARE": "1.5"}, "between 0 and 1"),
        ({"NEWSBOT_COMPACT_MIN_ARTICLES": "-3"}, "NEWSBOT_COMPACT_MIN_ARTICLES must be a whole number"),
        ({"NEWSBOT_SYNC_INTERVAL_S": "soon"}, "NEWSBOT_SYNC_INTERVAL_S"),
    ],
)
def test_bad_values_are_explained(environ, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ, env_file=None)


def test_sync_and_compaction_settings():
    settings = load_settings(
        {"NEWSBOT_SYNC_INTERVAL_S": "5", "NEWSBOT_COMPACT_SHARE": "0.25", "NEWSBOT_COMPACT_MIN_ARTICLES": "10"},
        env_file=None,
    )
    assert (settings.sync_interval_s, settings.compact_share, settings.compact_min_articles) == (5.0, 0.25, 10)
    assert load_settings({"NEWSBOT_SYNC_INTERVAL_S": "0"}, env_file=None).sync_interval_s == 0.1  # never a busy loop


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
