"""A server's settings over the bot's: precedence, ceilings, and values that no longer fit."""

from __future__ import annotations

import re

import pytest

from bot.jobs.guild_config import resolve
from bot.jobs.guild_keys import GUILD_KEYS, SettingError, read_setting, setting_key
from bot.settings import BotSettings
from bot.store.quota import MB, Quota
from styleengine import StyleParams


@pytest.fixture
def settings() -> BotSettings:
    return BotSettings(_env_file=None, DISCORD_TOKEN="t", max_size=512, user_limit=3)  # type: ignore[call-arg]


def test_keys_are_the_flag_names_and_cover_the_issue(settings):
    assert set(GUILD_KEYS) == {
        "content-weight", "style-weight", "palette-weight", "tv-weight", "iterations", "size",
        "preserve-color", "optimizer", "user-limit", "max-size", "channels", "timelapse",
        "member-storage", "server-storage", "clip-frames", "clip-seconds", "clip-size",
        "grid-size", "grid-iterations", "daily-member", "daily-server",
    }  # fmt: skip
    assert setting_key("Style_Weight") == "style-weight"
    assert setting_key("--size") == "size"


def test_values_are_normalised_as_the_engine_reads_them(settings):
    assert read_setting(settings, "style-weight", " 6e1 ") == "60"
    assert read_setting(settings, "size", "256") == "256"
    assert read_setting(settings, "timelapse", " Yes ") == "on"
    assert read_setting(settings, "preserve-color", "histogram") == "histogram"
    assert read_setting(settings, "channels", "<#123456789012345678>, 223456789012345678") == (
        "123456789012345678,223456789012345678"
    )
    assert read_setting(settings, "channels", "all") == ""


@pytest.mark.parametrize(
    ("key", "value", "allowed"),
    [
        ("size", "1024", "from 16 to 512"),  # the bot's ceiling, not the engine's 4096
        ("size", "12.5", "from 16 to 512"),
        ("user-limit", "4", "a whole number from 1 to 3"),
        ("user-limit", "1e2", "a whole number from 1 to 3"),
        ("content-weight", "inf", "from 0 to 1e+06"),
        ("optimizer", "LBFGS!", "one of lbfgs, adam"),
    ],
)
def test_out_of_range_values_name_the_allowed_range(settings, key, value, allowed):
    with pytest.raises(SettingError, match=re.escape("must be " + allowed)):
        read_setting(settings, key, value)


def test_resolution_applies_the_server_over_the_bot_and_clamps(settings):
    config = resolve(
        settings,
        {"style-weight": "60", "size": "400", "max-size": "256", "user-limit": "1",
         "channels": "5,6"},
    )  # fmt: skip
    assert config.params.style_weight == 60
    assert config.params.size == 256  # the server's own max-size wins over its default size
    assert config.max_size == 256 and config.user_limit == 1
    assert config.server_knobs == {"style_weight", "size"}
    assert config.allows(5) and not config.allows(7)
    plain = resolve(settings, {})
    assert plain.params == settings.job_defaults() and plain.allows(7)


def test_a_stored_value_the_operator_has_since_forbidden_is_clamped_not_fatal():
    lowered = BotSettings(_env_file=None, DISCORD_TOKEN="t", max_size=128, user_limit=1)  # type: ignore[call-arg]
    config = resolve(lowered, {"size": "512", "max-size": "512", "user-limit": "5"})
    assert config.params.size == 128 and config.max_size == 128 and config.user_limit == 1
    stale = resolve(lowered, {"optimizer": "sgd", "style-weight": "60"})
    assert stale.params.optimizer == StyleParams().optimizer  # dropped...
    assert stale.params.style_weight == 60 and stale.server_knobs == {"style_weight"}  # alone


def test_a_server_may_lower_its_storage_but_not_raise_it(settings):
    assert read_setting(settings, "server-storage", "500") == "500"
    with pytest.raises(SettingError, match="from 1 to 2048"):
        read_setting(settings, "server-storage", "4096")
    config = resolve(settings, {"member-storage": "10", "server-storage": "500"})
    assert config.quota(True) == Quota(10 * MB, 500 * MB)
    assert config.quota(False).server_bytes is None  # outside a server, a member's only


def test_a_server_may_lower_its_clip_limits_but_not_raise_them(settings):
    assert read_setting(settings, "clip-frames", "24") == "24"
    with pytest.raises(SettingError, match="from 1 to 48"):
        read_setting(settings, "clip-frames", "49")
    with pytest.raises(SettingError, match="from 1 to 10"):
        read_setting(settings, "clip-seconds", "60")
    with pytest.raises(SettingError, match="from 16 to 256"):
        read_setting(settings, "clip-size", "512")
    config = resolve(settings, {"clip-frames": "24", "clip-seconds": "5", "clip-size": "128"})
    assert (config.clip_frames, config.clip_seconds, config.clip_size) == (24, 5, 128)
    assert resolve(settings, {}).clip_frames == 48


def test_the_grid_is_the_servers_to_size_within_its_limits(settings):
    assert (resolve(settings, {}).grid_size, resolve(settings, {}).grid_iterations) == (256, 60)
    assert read_setting(settings, "grid-size", "256") == "256"
    with pytest.raises(SettingError, match="from 16 to 512"):
        read_setting(settings, "grid-size", "600")
    with pytest.raises(SettingError):
        read_setting(settings, "grid-iterations", "0")
    config = resolve(settings, {"grid-size": "400", "grid-iterations": "30", "max-size": "256"})
    assert (config.grid_size, config.grid_iterations) == (256, 30)  # under the server's max-size
