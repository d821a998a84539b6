"""The feed settings: defaults, values read, bad values refused in one line."""

from __future__ import annotations

import pytest

from bot.config import SettingsError, load_settings


def test_feed_defaults_and_values():
    defaults = load_settings({}, env_file=None)
    assert (defaults.feed_interval_min, defaults.feed_announce_max, defaults.feed_max_failures) == (15, 5, 8)
    assert defaults.feed_max_age_days is None
    env = {"NEWSBOT_FEED_INTERVAL_MIN": "30", "NEWSBOT_FEED_ANNOUNCE_MAX": "0", "NEWSBOT_FEED_MAX_FAILURES": "3",
           "NEWSBOT_FEED_MAX_AGE_DAYS": "90"}
    settings = load_settings(env, env_file=None)
    assert (settings.feed_interval_min, settings.feed_announce_max, settings.feed_max_failures) == (30, 0, 3)
    assert settings.feed_max_age_days == 90


@pytest.mark.parametrize(
    ("key", "value"),
    [("NEWSBOT_FEED_INTERVAL_MIN", "4"), ("NEWSBOT_FEED_ANNOUNCE_MAX", "11"), ("NEWSBOT_FEED_MAX_AGE_DAYS", "0"),
     ("NEWSBOT_FEED_MAX_FAILURES", "two"), ("NEWSBOT_FEED_MAX_AGE_DAYS", "-3")],
)
def test_bad_feed_settings_are_refused(key, value):
    with pytest.raises(SettingsError, match=key) as caught:
        load_settings({key: value}, env_file=None)
    assert "\n" not in str(caught.value)
