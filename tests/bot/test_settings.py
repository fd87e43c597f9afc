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
