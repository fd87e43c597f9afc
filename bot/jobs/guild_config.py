"""What a server's settings resolve to: the bot's defaults and limits with the server's stored
values (bot.jobs.guild_keys reads and checks them) applied, under the operator's ceilings.

Precedence for a job: the member's flags > the server's settings > the bot's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from bot.jobs.guild_keys import STYLE_KNOBS, key_of
from bot.settings import BotSettings
from bot.store.daily import DailyLimits
from bot.store.quota import MB, Quota
from styleengine import ParamError, StyleParams


@dataclass(frozen=True)
class GuildConfig:
    """A server's settings resolved over the bot's: what its jobs start from."""

    params: StyleParams  # the bot's defaults with the server's style settings applied
    server_knobs: frozenset[str]  # engine knob names the server set
    user_limit: int
    max_size: int
    max_iterations: int
    channels: frozenset[int]  # empty: every channel
    timelapse: bool = False  # results come with a timelapse unless a member says no
    member_storage_mb: int = 100
    server_storage_mb: int = 2048
    clip_frames: int = 48
    clip_seconds: int = 10
    clip_size: int = 256
    grid_size: int = 256
    grid_iterations: int = 60
    daily_member: int = 100
    daily_server: int = 3000

    def daily(self, in_server: bool) -> DailyLimits:
        """Pictures a job's member, and its server (none outside one), may ask for in 24 h."""
        return DailyLimits(self.daily_member, self.daily_server if in_server else None)

    def quota(self, in_server: bool) -> Quota:
        """What a job's member and server may keep (no server's outside one)."""
        server = self.server_storage_mb * MB if in_server else None
        return Quota(self.member_storage_mb * MB, server)

    def allows(self, channel_id: int) -> bool:
        return not self.channels or channel_id in self.channels


def _under(ceiling: int, stored: Mapping[str, str], key: str) -> int:
    """The server's stored value for ``key``, kept under the operator's ``ceiling``."""
    return min(ceiling, int(stored[key])) if key in stored else ceiling


def resolve(settings: BotSettings, stored: Mapping[str, str]) -> GuildConfig:
    """Apply a server's stored values to the bot's defaults and limits.

    A value that no longer fits (the operator lowered a ceiling since) is clamped, not fatal.
    """
    max_size = _under(settings.max_size, stored, "max-size")
    user_limit = _under(settings.user_limit, stored, "user-limit")
    member_storage = _under(settings.member_storage_mb, stored, "member-storage")
    server_storage = _under(settings.server_storage_mb, stored, "server-storage")
    base = settings.job_defaults()
    params, overrides = base, {}
    for name in STYLE_KNOBS:
        if key_of(name) not in stored:
            continue
        try:  # one stale value does not take the server's other settings with it
            params = params.with_strings({name: stored[key_of(name)]})
        except ParamError:
            continue
        overrides[name] = stored[key_of(name)]
    params = params.replace(
        size=min(params.size, max_size), iterations=min(params.iterations, settings.max_iterations)
    )
    channels = frozenset(int(part) for part in stored.get("channels", "").split(",") if part)
    return GuildConfig(
        params=params,
        server_knobs=frozenset(overrides),
        user_limit=user_limit,
        max_size=max_size,
        max_iterations=settings.max_iterations,
        channels=channels,
        timelapse=stored.get("timelapse") == "on",
        member_storage_mb=member_storage,
        server_storage_mb=server_storage,
        daily_member=_under(settings.daily_member_pictures, stored, "daily-member"),
        daily_server=_under(settings.daily_server_pictures, stored, "daily-server"),
        clip_frames=_under(settings.clip_frames, stored, "clip-frames"),
        clip_seconds=_under(settings.clip_seconds, stored, "clip-seconds"),
        clip_size=_under(settings.clip_size, stored, "clip-size"),
        grid_size=min(max_size, int(stored.get("grid-size", settings.grid_size))),
        grid_iterations=min(
            settings.max_iterations, int(stored.get("grid-iterations", settings.grid_iterations))
        ),
    )
