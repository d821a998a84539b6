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
def test_env_file_is_read_as_dotenv_does(tmp_path):
    """Quotes around a value with a comment after it, and multi-line quoted values (issue 16)."""
    env = tmp_path / ".env"
    env.write_text('DISCORD_TOKEN="abc.def.ghi" # the bot\nNEWSBOT_CORPUS_DIR=\'my articles\'\n'
                   'DISCORD_API_BASE="http://127.0.0.1:1/\nsecond line"\n', encoding="utf-8")
    values = read_env_file(env)
    assert values["DISCORD_TOKEN"] == "abc.def.ghi"
    assert values["NEWSBOT_CORPUS_DIR"] == "my articles"
    assert values["DISCORD_API_BASE"] == "http://127.0.0.1:1/\nsecond line"


@pytest.mark.parametrize(
    ("environ", "names"),
    [
        ({"NEWSBOT_LOG_LEVEL": "verbose"}, ("NEWSBOT_LOG_LEVEL", "DEBUG, INFO, WARNING, ERROR", "'verbose'")),
        ({"NEWSBOT_NUMBA": "maybe"}, ("NEWSBOT_NUMBA", "auto, off")),
        ({"NEWSBOT_ASK_COOLDOWN_S": "soon"}, ("NEWSBOT_ASK_COOLDOWN_S", "between 0 and 86400")),
    ],
)
def test_every_bad_setting_is_one_line_naming_it_and_the_allowed_values(environ, names):
    with pytest.raises(SettingsError) as caught:
        load_settings(environ, env_file=None)
    message = str(caught.value)
    assert "\n" not in message
    assert all(name in message for name in names)


def test_log_level_is_read_case_blind():
    assert load_settings({"NEWSBOT_LOG_LEVEL": "debug"}, env_file=None).log_level == "DEBUG"


def test_newsbot_home_holds_env_file_and_relative_folders(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".env").write_text("NEWSBOT_CORPUS_DIR=articles\nDISCORD_DEV_GUILD_ID=7\n", encoding="utf-8")
    settings = load_settings({"NEWSBOT_HOME": str(home), "NEWSBOT_DATA_DIR": "/srv/data"})
    assert settings.home == home
    assert settings.corpus_dir == home / "articles"
    assert settings.index_dir == home / ".newsbot/index"
    assert settings.data_dir == Path("/srv/data")  # an absolute folder stays where it is
    assert settings.discord_dev_guild_id == 7


def test_newsbot_home_that_is_not_a_folder_says_what_to_do(tmp_path):
    with pytest.raises(SettingsError, match=r"NEWSBOT_HOME=.*missing is not a folder; set NEWSBOT_HOME"):
        load_settings({"NEWSBOT_HOME": str(tmp_path / "missing")})


def test_shard_settings():
    environ = {"NEWSBOT_SHARD_COUNT": "4", "NEWSBOT_SHARDS": "2,3", "NEWSBOT_IDENTIFY_INTERVAL_S": "0.5"}
    settings = load_settings(environ, env_file=None)
    assert (settings.shard_count, settings.shards, settings.identify_interval_s) == (4, (2, 3), 0.5)
    defaults = load_settings({}, env_file=None)
    assert (defaults.shard_count, defaults.shards, defaults.identify_interval_s) == (None, None, 5.0)


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"NEWSBOT_SHARD_COUNT": "0"}, r"^NEWSBOT_SHARD_COUNT must be a whole number between 1 and 100,000, got '0'$"),
        ({"NEWSBOT_SHARDS": "0"}, r"^NEWSBOT_SHARDS needs NEWSBOT_SHARD_COUNT"),
        ({"NEWSBOT_SHARD_COUNT": "2", "NEWSBOT_SHARDS": "1,2"}, r"^NEWSBOT_SHARDS must be between 0 and 1 .* got 2$"),
        ({"NEWSBOT_SHARD_COUNT": "2", "NEWSBOT_SHARDS": "1,1"}, r"^NEWSBOT_SHARDS names shard 1 more than once$"),
        ({"NEWSBOT_SHARD_COUNT": "2", "NEWSBOT_SHARDS": "one"}, r"^NEWSBOT_SHARDS must be shard ids such as 0,1"),
        ({"NEWSBOT_IDENTIFY_INTERVAL_S": "-1"}, r"^NEWSBOT_IDENTIFY_INTERVAL_S must be a number of seconds"),
    ],
)
def test_bad_shard_settings_are_one_line(environ, message):
    with pytest.raises(SettingsError, match=message):
        load_settings(environ, env_file=None)
