"""A GIF picked from Discord's GIF picker, or a linked clip: the message holds only a link, and
Discord's embed of it carries the clip (a ``gifv`` or ``video`` embed, its video proxied by
Discord's media servers). The clip is fetched from there, and only from Discord's own hosts:
never from the link itself or any other server a message names."""

from __future__ import annotations

from urllib.parse import urlsplit

import discord

from bot.jobs.flags import RequestError
from bot.jobs.inputs import HostedImage
from bot.settings import BotSettings
from bot.text import code


def embedded_clips(message: discord.Message, settings: BotSettings) -> list[HostedImage]:
    """The clips (or linked pictures) Discord embedded in ``message``, as downloads from its
    media servers; RequestError for one that would be fetched from anywhere else."""
    found = []
    for embed in message.embeds:
        url, name = _media_of(embed)
        if url is None:
            continue
        if not is_discord_media(url, settings):
            host = urlsplit(url).hostname or "?"
            raise RequestError(
                f"That link's picture is on `{code(host)}`, not on Discord's servers, and I only "
                "fetch from Discord; download it and attach the file."
            )
        found.append(HostedImage(url, name))
    return found


def _media_of(embed: discord.Embed) -> tuple[str | None, str]:
    """Where Discord keeps the embed's clip or picture (its proxy first), and a file name."""
    if embed.type in ("gifv", "video"):
        video = embed.video
        url = video.proxy_url or video.url
        if url:
            return url, "clip.mp4"
    if embed.type in ("image", "gifv"):
        picture = embed.thumbnail
        url = picture.proxy_url or picture.url
        if url:
            return url, "picture.gif" if ".gif" in url.lower() else "picture.png"
    return None, ""


def is_discord_media(url: str, settings: BotSettings) -> bool:
    """Whether ``url`` is on Discord's media servers (https, a host of ``media_hosts``) or the
    CDN the bot is configured with."""
    if url.startswith(settings.cdn_base.rstrip("/") + "/"):
        return True
    parts = urlsplit(url)
    return parts.scheme == "https" and (parts.hostname or "").lower() in settings.media_hosts
