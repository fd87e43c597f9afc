"""What ``/styleset show`` draws: every key with its value on this server, who set it and
what it may be, and how much of its storage the server uses."""

from __future__ import annotations

import discord

from bot.jobs.guild_config import GuildConfig
from bot.jobs.guild_keys import GUILD_KEYS
from bot.settings import BotSettings
from bot.store.quota import MB


def settings_embed(
    stored: dict[str, str], config: GuildConfig, settings: BotSettings, *, kept_bytes: int
) -> discord.Embed:
    prefix = settings.prefix
    lines = []
    for key, spec in GUILD_KEYS.items():
        where = "**set here**" if key in stored else "bot default"
        lines.append(f"`{key}` {shown(key, config)} ({where}) \u2014 {spec.help}; "
                     f"{spec.allowed(settings)}")  # fmt: skip
    embed = discord.Embed(
        title="StyleBot settings for this server",
        description="\n".join(lines),
        colour=discord.Colour.blurple(),
    )
    embed.add_field(
        name="Storage",
        value=f"{kept_bytes / MB:.1f} MB of {config.server_storage_mb} MB kept for this server "
        "(presets, and the pictures of recent jobs: the oldest finished ones go first)",
        inline=False,
    )
    embed.set_footer(
        text=f"{prefix}styleset set KEY VALUE \u00b7 {prefix}styleset reset [KEY] \u00b7 "
        "a member's own flags still win over these"
    )
    return embed


def shown(key: str, config: GuildConfig) -> str:
    """A key's effective value for this server, as members will see it."""
    values = {
        "user-limit": config.user_limit,
        "daily-member": f"{config.daily_member} pictures a day",
        "daily-server": f"{config.daily_server} pictures a day",
        "max-size": config.max_size,
        "member-storage": f"{config.member_storage_mb} MB",
        "server-storage": f"{config.server_storage_mb} MB",
        "clip-frames": config.clip_frames,
        "clip-seconds": f"{config.clip_seconds} s",
        "clip-size": config.clip_size,
        "grid-size": config.grid_size,
        "grid-iterations": config.grid_iterations,
    }
    if key in values:
        return f"**{values[key]}**"
    if key == "timelapse":
        return "**on**" if config.timelapse else "**off**"
    if key == "channels":
        if not config.channels:
            return "**all channels**"
        return " ".join(f"<#{channel}>" for channel in sorted(config.channels))
    return f"**{config.params.as_strings()[key.replace('-', '_')]}**"
