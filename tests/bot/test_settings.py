"""Settings: one typed object from the environment, validated against the engine's params."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from bot.settings import DISCORD_API_BASE, BotSettings


def settings(monkeypatch, **env: str) -> BotSettings:
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return BotSettings(_env_file=None)  # type: ignore[call-arg]


def test_defaults_and_the_token_kept_secret(monkeypatch):
    s = settings(monkeypatch, DISCORD_TOKEN="abc.def")
    assert s.api_base == DISCORD_API_BASE and s.prefix == "!" and s.message_content
    assert "abc.def" not in repr(s) and "abc.def" not in str(s.model_dump())
    assert s.token.get_secret_value() == "abc.def"
    assert s.job_defaults().size == 512  # the engine's default, below max_size


def test_environment_overrides(monkeypatch):
    s = settings(
        monkeypatch,
        DISCORD_TOKEN="t",
        STYLEBOT_DEVICES="cuda:0, cuda:1",
        STYLEBOT_DEFAULT_SIZE="256",
        STYLEBOT_MAX_SIZE="384",
        STYLEBOT_MESSAGE_CONTENT="false",
    )
    assert s.devices == ("cuda:0", "cuda:1")
    assert s.job_defaults().size == 256 and not s.message_content


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("STYLEBOT_DEFAULT_SIZE", "5", "--size"),
        ("STYLEBOT_MAX_ITERATIONS", "0", "--iterations"),
        ("STYLEBOT_USER_LIMIT", "0", "greater than or equal to 1"),
    ],
)
def test_bad_values_are_refused(monkeypatch, key, value, fragment):
    with pytest.raises(ValidationError) as caught:
        settings(monkeypatch, DISCORD_TOKEN="t", **{key: value})
    assert fragment in str(caught.value)


def test_missing_token(monkeypatch):
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    with pytest.raises(ValidationError, match="DISCORD_TOKEN"):
        settings(monkeypatch)


def test_every_setting_is_documented_in_the_env_example():
    example = (Path(__file__).resolve().parents[2] / ".env.example").read_text()
    for name, field in BotSettings.model_fields.items():
        aliases = field.validation_alias.choices if field.validation_alias else []
        names = [*aliases, f"STYLEBOT_{name.upper()}"]
        assert any(f"{n}=" in example for n in names), f"{names[0]} is not in .env.example"


def test_shards_this_process_runs_and_the_servers_it_resumes(monkeypatch):
    assert settings(monkeypatch, DISCORD_TOKEN="t").runs_shard_of(
        123 << 22
    )  # one process: every shard
    mine = settings(
        monkeypatch, DISCORD_TOKEN="t", STYLEBOT_SHARD_COUNT="4", STYLEBOT_SHARD_IDS="0, 2-3"
    )
    assert mine.shard_ids == (0, 2, 3)
    assert [mine.runs_shard_of(n << 22) for n in range(4)] == [True, False, True, True]
    assert mine.runs_shard_of(None)  # DMs come to shard 0
    monkeypatch.delenv("STYLEBOT_SHARD_COUNT")
    with pytest.raises(ValidationError, match="needs shard_count"):
        settings(monkeypatch, DISCORD_TOKEN="t", STYLEBOT_SHARD_IDS="1")
    with pytest.raises(ValidationError, match="below shard_count"):
        settings(monkeypatch, DISCORD_TOKEN="t", STYLEBOT_SHARD_COUNT="2", STYLEBOT_SHARD_IDS="2")


def test_a_database_password_is_a_secret(monkeypatch):
    url = "postgresql://stylebot:hunter2-pw@db:5432/stylebot"
    assert {url, "hunter2-pw"} <= set(
        settings(monkeypatch, DISCORD_TOKEN="t", STYLEBOT_DATABASE=url).secrets()
    )
