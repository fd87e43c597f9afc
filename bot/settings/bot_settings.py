"""What ``python -m bot`` reads: Discord, the store, the queue's caps and quotas, the jobs'
defaults and ceilings, shards."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import NoDecode

from bot.settings.painter import PainterSettings
from styleengine import ParamError, StyleParams

DISCORD_API_BASE = "https://discord.com/api/v10"
DISCORD_GATEWAY_URL = "wss://gateway.discord.gg/"
DISCORD_CDN_URL = "https://cdn.discordapp.com"


class BotSettings(PainterSettings):
    """Environment variables: ``DISCORD_TOKEN``, ``DISCORD_API_BASE``, ``DISCORD_GATEWAY_URL``,
    ``DISCORD_CDN_URL`` and ``STYLEBOT_<FIELD>`` for the rest (``STYLEBOT_PREFIX``,
    ``STYLEBOT_USER_LIMIT``, ...)."""

    token: SecretStr = Field(
        validation_alias=AliasChoices("DISCORD_TOKEN", "STYLEBOT_TOKEN"),
        description="the bot's token from the Discord developer portal",
    )

    def secrets(self) -> list[str]:
        password = urlsplit(self.database).password if "://" in self.database else None
        database = [self.database, password] if password else []
        return [self.token.get_secret_value(), *database, *super().secrets()]

    shard_count: int | None = Field(
        None,
        ge=1,
        le=100_000,
        description="shards of the bot in all processes together; unset: Discord's "
        "recommendation at login",
    )
    shard_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        (),
        description="the shards this process runs, e.g. 0,1 or 4-7 (needs shard_count; the "
        "other processes run the rest); empty: all of them",
    )

    api_base: str = Field(
        DISCORD_API_BASE,
        validation_alias=AliasChoices("DISCORD_API_BASE", "STYLEBOT_API_BASE"),
        description="REST base URL, replacing the whole default (for an HTTP proxy)",
    )
    gateway_url: str = Field(
        DISCORD_GATEWAY_URL,
        validation_alias=AliasChoices("DISCORD_GATEWAY_URL", "STYLEBOT_GATEWAY_URL"),
        description="gateway websocket URL, replacing the whole default (for a gateway proxy)",
    )
    cdn_base: str = Field(
        DISCORD_CDN_URL,
        validation_alias=AliasChoices("DISCORD_CDN_URL", "STYLEBOT_CDN_URL"),
        description="CDN base URL of avatars, replacing the whole default (for a proxy)",
    )
    prefix: str = Field("!", min_length=1, max_length=5, description="prefix of text commands")
    operator_ids: Annotated[tuple[int, ...], NoDecode] = Field(
        (),
        description="comma-separated Discord user ids of the operators: they may pause and "
        "resume painting (!pause, !resume) in any server or DM",
    )
    message_content: bool = Field(
        True,
        description="request the privileged message-content intent; without it text commands "
        "work only when they mention the bot, and slash commands always work",
    )
    sync_commands: bool = Field(
        True, description="publish the slash and context-menu commands to Discord at start-up"
    )
    queue_limit: int = Field(50, ge=1, le=10_000, description="queued jobs across all users")
    user_limit: int = Field(2, ge=1, le=100, description="queued + running jobs per user")
    server_limit: int = Field(
        20, ge=1, le=10_000, description="queued + running jobs per server: its share of the queue"
    )
    daily_member_pictures: int = Field(
        100,
        ge=1,
        le=1_000_000,
        description="pictures one member may ask for in 24 hours (a server may set fewer)",
    )
    daily_server_pictures: int = Field(
        3000,
        ge=1,
        le=10_000_000,
        description="pictures one server's members may ask for in 24 hours (it may set fewer)",
    )
    member_storage_mb: int = Field(
        100, ge=1, description="megabytes of pictures the bot keeps for one member (jobs' images)"
    )
    server_storage_mb: int = Field(
        2048, ge=1, description="megabytes of pictures the bot keeps for one server (jobs, presets)"
    )
    max_styles: int = Field(3, ge=1, le=8, description="style images one job may blend")
    max_download_bytes: int = Field(
        20 * 2**20, ge=1024, description="largest attachment fetched, checked before download"
    )
    max_pixels: int = Field(40_000_000, ge=4096, description="largest decoded input image")
    download_bytes: int = Field(
        100 * 2**20,
        ge=1024,
        description="bytes of members' images being downloaded and checked at once, all "
        "requests together (more wait their turn)",
    )
    decode_pixels: int = Field(
        80_000_000,
        ge=4096,
        description="pixels of input images decoded at once, all requests together (a raid's "
        "images wait their turn)",
    )
    default_size: int | None = Field(None, description="job size unless asked (engine default)")
    default_iterations: int | None = Field(None, description="job iterations unless asked")
    max_size: int = Field(1024, description="largest --size a member may ask for")
    max_iterations: int = Field(1000, description="most --iterations a member may ask for")
    progress_interval: float = Field(
        3.0, ge=0.05, le=60, description="seconds between edits of one job's status message"
    )
    preview_size: int = Field(192, ge=32, le=512, description="long side of progress previews")
    database: str = Field(
        "data/stylebot.db",
        description="SQLite file holding server settings, presets and the job journal, or a "
        "postgresql:// URL (the store several bot processes share)",
    )
    retention_hours: float = Field(
        720.0,
        ge=0,
        le=24 * 365,
        description="hours a finished job's picture and the images it was made from are kept "
        "(a member's /history and the re-run buttons use them; /forget-me erases them sooner, "
        "a full storage quota lets the oldest go)",
    )
    cleanup_interval: float = Field(
        3600.0, ge=1, le=7 * 24 * 3600, description="seconds between clean-ups of old jobs"
    )
    purge_after_days: float = Field(
        7.0,
        ge=0,
        le=365,
        description="days after the bot leaves a server that its settings, presets and "
        "pictures are purged (it may be invited back meanwhile)",
    )
    remembered_style_hours: float = Field(
        24.0,
        gt=0,
        le=24 * 365,
        description='hours a style picked with "Use as style" is remembered for its member',
    )
    form_minutes: float = Field(
        15.0,
        gt=0,
        le=24 * 60,
        description='minutes a "Stylize with..." form may stay open before it expires',
    )
    command_rate: int = Field(
        5, ge=1, le=1000, description="commands one member may use per command_window"
    )
    command_window: float = Field(
        10.0, ge=0.1, le=3600, description="seconds over which command_rate is counted"
    )
    max_presets: int = Field(25, ge=0, le=1000, description="style presets one server may keep")
    clip_frames: int = Field(
        48,
        ge=1,
        le=1000,
        description="most frames of a GIF or video painted; a clip with more in its time has "
        "its frame rate lowered (each frame costs about a sixth of a still picture)",
    )
    clip_seconds: int = Field(
        10, ge=1, le=600, description="most seconds of a GIF or video painted; the rest is cut"
    )
    clip_size: int = Field(
        256,
        ge=16,
        le=4096,
        description="largest --size of a GIF or video (its frames are painted one after another)",
    )
    grid_size: int = Field(
        256,
        ge=16,
        le=1024,
        description="long side of each of the four pictures a photo sent alone gets (the grid "
        "of styles to choose from; a server may set its own up to its max-size)",
    )
    grid_iterations: int = Field(
        60,
        ge=1,
        le=10_000,
        description="iterations of the grid's pictures (the four are painted as one batch)",
    )
    media_hosts: Annotated[tuple[str, ...], NoDecode] = Field(
        (
            "cdn.discordapp.com",
            "media.discordapp.net",
            "images-ext-1.discordapp.net",
            "images-ext-2.discordapp.net",
        ),
        description="Discord's hosts a GIF picked from Discord's GIF picker (a link whose "
        "embed carries the clip) is fetched from, over https, comma-separated; nothing else is",
    )

    @field_validator("operator_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(int(part) for part in value.split(",") if part.strip())
        return value

    @property
    def runs_every_shard(self) -> bool:
        """Whether this is the only bot process (no range of shards set for it)."""
        return not self.shard_ids  # (shard_ids needs shard_count: _check_shards)

    def runs_shard_of(self, guild_id: int | None) -> bool:
        """Whether this process runs the shard that gets ``guild_id``'s events (a DM's: shard
        0): the jobs of that server are this process's to resume."""
        if self.runs_every_shard or self.shard_count is None:  # (the second: for the types)
            return True
        shard = (guild_id >> 22) % self.shard_count if guild_id else 0
        return shard in self.shard_ids

    @field_validator("shard_ids", mode="before")
    @classmethod
    def _split_shards(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        ids: list[int] = []
        for part in (p.strip() for p in value.split(",") if p.strip()):
            first, _, last = part.partition("-")
            ids += range(int(first), int(last or first) + 1)
        return tuple(sorted(set(ids)))

    @model_validator(mode="after")
    def _check_shards(self) -> BotSettings:
        if self.shard_ids and self.shard_count is None:
            raise ValueError("shard_ids needs shard_count (the shards of all processes together)")
        if self.shard_count is not None and any(s >= self.shard_count for s in self.shard_ids):
            raise ValueError(f"shard_ids must be below shard_count ({self.shard_count})")
        return self

    @field_validator("media_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip().lower() for part in value.split(",") if part.strip())
        return value

    @model_validator(mode="after")
    def _check_style_limits(self) -> BotSettings:
        try:
            self.job_defaults()
            StyleParams().with_strings(
                {"size": str(self.max_size), "iterations": str(self.max_iterations)}
            )
        except ParamError as exc:
            raise ValueError(str(exc)) from exc
        return self

    def job_defaults(self) -> StyleParams:
        """The bot's built-in job parameters: the engine's defaults with this bot's overrides."""
        overrides = {"weights": self.weights}
        if self.default_size is not None:
            overrides["size"] = str(self.default_size)
        if self.default_iterations is not None:
            overrides["iterations"] = str(self.default_iterations)
        params = StyleParams().with_strings(overrides)
        return params.replace(
            size=min(params.size, self.max_size),
            iterations=min(params.iterations, self.max_iterations),
        )
