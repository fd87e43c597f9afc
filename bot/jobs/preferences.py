"""A member's own defaults (``/prefer``): which keys there are, how their values are read, and
how they sit between the server's settings and the member's flags.

Precedence for a job: the member's flags > their preferences > the server's settings > the
bot's defaults. In a DM, or a server where the bot is only user-installed, there are no server
settings: preferences sit on the bot's defaults.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.gallery import UnknownStyle, find
from bot.jobs.flags import RequestError
from bot.jobs.guild_config import GuildConfig
from bot.jobs.guild_keys import SettingError, key_of, read_setting
from bot.settings import BotSettings
from bot.text import code
from styleengine import ParamError, StyleParams

# Engine knobs a member may give their own default to (the everyday ones).
PREFERENCE_KNOBS = ("size", "style_weight", "preserve_color")
FAVOURITES = "favourites"
MAX_FAVOURITES = 10
PREFERENCE_KEYS = (*(key_of(name) for name in PREFERENCE_KNOBS), FAVOURITES)
_FORGET = ("", "-", "none", "default", "reset")


def read_preferences(settings: BotSettings, typed: Mapping[str, str]) -> dict[str, str]:
    """Validate what a member asked to set: key -> text to store (empty: forget the key);
    RequestError in words for the member."""
    out: dict[str, str] = {}
    for raw_key, text in typed.items():
        key = raw_key.strip().lower().replace("_", "-")
        if key == "favorites":
            key = FAVOURITES
        if key not in PREFERENCE_KEYS:
            keys = ", ".join(f"`--{k}`" for k in PREFERENCE_KEYS)
            raise RequestError(f"`--{code(raw_key)}` is not a preference; they are {keys}.")
        if text.strip().lower() in _FORGET:
            out[key] = ""
        elif key == FAVOURITES:
            out[key] = _read_favourites(text)
        else:
            try:
                out[key] = read_setting(settings, key, text)
            except SettingError as exc:
                raise RequestError(str(exc)) from exc
    return out


def _read_favourites(text: str) -> str:
    """Names separated by commas (``Great Wave, udnie``) or spaces (``great_wave udnie``)."""
    names = []
    for part in filter(str.strip, text.split(",")):
        try:
            names.append(find(part).name)
        except UnknownStyle as exc:
            words = part.split()
            if len(words) < 2:
                raise RequestError(str(exc)) from exc
            try:
                names += [find(word).name for word in words]
            except UnknownStyle:
                raise RequestError(str(exc)) from exc
    names = list(dict.fromkeys(names))
    if len(names) > MAX_FAVOURITES:
        raise RequestError(f"At most {MAX_FAVOURITES} favourite styles, please.")
    return ",".join(names)


def favourites(stored: Mapping[str, str]) -> list[str]:
    return [name for name in stored.get(FAVOURITES, "").split(",") if name]


def with_preferences(
    config: GuildConfig, stored: Mapping[str, str]
) -> tuple[StyleParams, frozenset[str]]:
    """The server's parameters with the member's preferences over them (within the server's
    size limit); with the knobs the preferences set. A stale value is skipped, not fatal."""
    params, chosen = config.params, set()
    for name in PREFERENCE_KNOBS:
        text = stored.get(key_of(name))
        if text is None:
            continue
        try:
            params = params.with_strings({name: text})
        except ParamError:
            continue
        chosen.add(name)
    if params.size > config.max_size:
        params = params.replace(size=config.max_size)
    return params, frozenset(chosen)


def describe(stored: Mapping[str, str]) -> str:
    """The member's preferences in a line, for ``/prefer`` and the help."""
    if not stored:
        return "none: your jobs start from the server's settings and the bot's defaults"
    return ", ".join(f"`--{key} {code(value, 200)}`" for key, value in sorted(stored.items()))
