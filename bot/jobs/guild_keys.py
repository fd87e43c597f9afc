"""What a server's admins may set with ``!styleset`` (bot.jobs.guild_config resolves a server's
settings over the bot's).

Every key is defined here once: its meaning, its allowed range and how its text is read. Style
keys are the engine's own knobs (ranges from :class:`styleengine.StyleParams`, capped by the
bot's ceilings); the others are the bot's limits, which a server may only lower. Values are
stored as the validated text and read back through the same parsers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from bot.settings import BotSettings
from bot.text import code
from styleengine import ParamError, StyleParams, knobs
from styleengine.params import Knob, flag_name

# Engine knobs a server may give a default to.
STYLE_KNOBS = (
    "content_weight",
    "style_weight",
    "palette_weight",
    "tv_weight",
    "iterations",
    "size",
    "preserve_color",
    "optimizer",
)
_KNOBS = {knob.name: knob for knob in knobs()}
# A channel as an admin may write it: a mention or a bare id.
CHANNEL_TOKEN = re.compile(r"<#(\d{15,21})>|(\d{15,21})")
# Words meaning "every channel" for the channels key.
ALL_CHANNELS = ("all", "any", "everywhere", "-")


def key_of(name: str) -> str:
    """The setting key of an engine knob: its flag without dashes (``style-weight``)."""
    return flag_name(name)[2:]


class SettingError(ValueError):
    """A value an admin gave is not allowed; the message says what is."""


@dataclass(frozen=True)
class GuildKey:
    """One ``!styleset`` key: ``style-weight``, ``user-limit``, ..."""

    key: str
    help: str
    allowed: Callable[[BotSettings], str]  # the allowed values, in words
    read: Callable[[BotSettings, str], str]  # text -> normalised text, or SettingError


def _knob_key(name: str) -> GuildKey:
    knob = _KNOBS[name]
    return GuildKey(
        key=key_of(name),
        help=f"default {knob.help}",
        allowed=lambda settings: _knob_range(knob, settings),
        read=lambda settings, text: _read_knob(knob, settings, text),
    )


def _ceiling(name: str, settings: BotSettings) -> float | None:
    if name == "size":
        return settings.max_size
    if name == "iterations":
        return settings.max_iterations
    return None


def _knob_range(knob: Knob, settings: BotSettings) -> str:
    ceiling = _ceiling(knob.name, settings)
    if ceiling is not None and knob.lo is not None:
        return f"from {knob.lo:g} to {ceiling:g}"
    return knob.describe_range()


def _read_knob(knob: Knob, settings: BotSettings, text: str) -> str:
    try:
        params = StyleParams().with_strings({knob.name: text})
    except ParamError:
        raise SettingError(_range_error(knob.name, text, _knob_range(knob, settings))) from None
    ceiling = _ceiling(knob.name, settings)
    value = getattr(params, knob.name)
    if ceiling is not None and value > ceiling:
        raise SettingError(_range_error(knob.name, text, _knob_range(knob, settings)))
    return params.as_strings()[knob.name]


def _int_key(key: str, help: str, lo: int, hi: Callable[[BotSettings], int]) -> GuildKey:
    def allowed(settings: BotSettings) -> str:
        return f"a whole number from {lo} to {hi(settings)}"

    def read(settings: BotSettings, text: str) -> str:
        try:
            value = int(text)
        except ValueError:
            value = lo - 1
        if not lo <= value <= hi(settings):
            raise SettingError(_range_error(key, text, allowed(settings)))
        return str(value)

    return GuildKey(key=key, help=help, allowed=allowed, read=read)


def _read_channels(settings: BotSettings, text: str) -> str:
    if text.strip().lower() in ALL_CHANNELS:
        return ""
    ids = []
    for token in re.split(r"[\s,]+", text.strip()):
        match = CHANNEL_TOKEN.fullmatch(token)
        if match is None:
            raise SettingError(
                f"`channels`: `{code(token)}` is not a channel; mention channels like #art, "
                "or say `all`."
            )
        ids.append(match.group(1) or match.group(2))
    return ",".join(dict.fromkeys(ids))


GUILD_KEYS: dict[str, GuildKey] = {
    key.key: key
    for key in (
        *(_knob_key(name) for name in STYLE_KNOBS),
        _int_key(
            "user-limit",
            "jobs one member may have queued or running",
            1,
            lambda settings: settings.user_limit,
        ),
        _int_key(
            "daily-member",
            "pictures one member may ask for in 24 hours",
            1,
            lambda settings: settings.daily_member_pictures,
        ),
        _int_key(
            "daily-server",
            "pictures this server's members may ask for in 24 hours, together",
            1,
            lambda settings: settings.daily_server_pictures,
        ),
        _int_key(
            "max-size",
            "largest --size a member may ask for",
            int(_KNOBS["size"].lo or 1),
            lambda settings: settings.max_size,
        ),
        _int_key(
            "member-storage",
            "megabytes of pictures kept for each member",
            1,
            lambda settings: settings.member_storage_mb,
        ),
        _int_key(
            "server-storage",
            "megabytes of pictures kept for this server (jobs and presets)",
            1,
            lambda settings: settings.server_storage_mb,
        ),
        _int_key(
            "clip-frames",
            "most frames of a GIF or video painted (more: the frame rate is lowered)",
            1,
            lambda settings: settings.clip_frames,
        ),
        _int_key(
            "clip-seconds",
            "most seconds of a GIF or video painted (the rest is cut)",
            1,
            lambda settings: settings.clip_seconds,
        ),
        _int_key(
            "clip-size",
            "largest --size of a GIF or video",
            int(_KNOBS["size"].lo or 1),
            lambda settings: settings.clip_size,
        ),
        _int_key(
            "grid-size",
            "long side of each picture in the grid of four styles a photo alone gets",
            int(_KNOBS["size"].lo or 1),
            lambda settings: settings.max_size,
        ),
        _int_key(
            "grid-iterations",
            "iterations of the grid's pictures",
            1,
            lambda settings: settings.max_iterations,
        ),
        GuildKey(
            key="channels",
            help="channels where members may use !stylize",
            allowed=lambda settings: "channel mentions (#art #bots), or `all`",
            read=_read_channels,
        ),
        GuildKey(
            key="timelapse",
            help="attach a timelapse of the painting to results (a member may say --timelapse no)",
            allowed=lambda settings: "`on` or `off`",
            read=lambda settings, text: _read_switch("timelapse", text),
        ),
    )
}

_ON = ("on", "yes", "true", "1")
_OFF = ("off", "no", "false", "0")


def read_switch(text: str) -> bool | None:
    """``on`` / ``off`` (and their spellings) as a bool; None for anything else."""
    word = text.strip().lower()
    return True if word in _ON else False if word in _OFF else None


def _read_switch(key: str, text: str) -> str:
    value = read_switch(text)
    if value is None:
        raise SettingError(_range_error(key, text, "`on` or `off`"))
    return "on" if value else "off"


def read_setting(settings: BotSettings, key: str, text: str) -> str:
    """Validate ``text`` for ``key``; returns the text to store (empty: the default)."""
    return GUILD_KEYS[setting_key(key)].read(settings, text.strip())


def setting_key(key: str) -> str:
    """The canonical spelling of a key (``Style_Weight`` -> ``style-weight``) or SettingError."""
    name = key.strip().lower().lstrip("-").replace("_", "-")
    if name not in GUILD_KEYS:
        raise SettingError(f"`{code(key)}` is not a setting; settings are {_key_list()}.")
    return name


def _range_error(key: str, text: str, allowed: str) -> str:
    return f"`{key_of(key)}` must be {allowed}; `{code(text)}` is not."


def _key_list() -> str:
    return ", ".join(f"`{key}`" for key in GUILD_KEYS)
