"""Fetch a member's attachments from Discord's CDN and check they are images we can use.

Only URLs Discord gives in its own objects are fetched (attachments, avatars), never links
from message text. The size Discord reports is checked before the download starts and the
body is read with a cap, so a lying Content-Length or a bigger file cannot make us read more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import discord

from bot.job import InputImage
from bot.jobs.flags import RequestError
from bot.text import code
from styleengine import ImageError, load_image

_CHUNK = 64 * 1024


class Downloadable(Protocol):
    """What is fetched: a Discord attachment, or an image Discord hosts for a user."""

    @property
    def url(self) -> str: ...

    @property
    def filename(self) -> str: ...

    @property
    def size(self) -> int: ...


@dataclass(frozen=True)
class HostedImage:
    """An image on Discord's CDN that is not an attachment (a member's avatar); its size is
    not known before the download (the body cap still holds)."""

    url: str
    filename: str
    size: int = 0


def is_image(attachment: discord.Attachment) -> bool:
    """Whether an attachment says it is an image (by type, or by name where it has none)."""
    if attachment.content_type:
        return attachment.content_type.startswith("image/")
    return attachment.filename.lower().endswith(
        (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")
    )


async def download(
    session: aiohttp.ClientSession, attachment: Downloadable, *, max_bytes: int
) -> bytes:
    name = _label(attachment)
    if attachment.size > max_bytes:
        raise RequestError(f"{name} is {_mb(attachment.size)}; the limit is {_mb(max_bytes)}.")
    try:
        async with session.get(attachment.url) as response:
            if response.status != 200:
                raise RequestError(
                    f"I could not download {name} (Discord answered {response.status}); "
                    "please upload it again."
                )
            if response.content_length is not None and response.content_length > max_bytes:
                raise RequestError(f"{name} is larger than the limit of {_mb(max_bytes)}.")
            body = bytearray()
            async for chunk in response.content.iter_chunked(_CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    raise RequestError(f"{name} is larger than the limit of {_mb(max_bytes)}.")
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise RequestError(f"I could not download {name}; please upload it again.") from exc
    return bytes(body)


async def fetch_images(
    session: aiohttp.ClientSession,
    attachments: Sequence[Downloadable],
    *,
    max_bytes: int,
    max_pixels: int,
) -> list[InputImage]:
    """Download and decode every attachment (concurrently), in order."""
    for attachment in attachments:  # refuse oversize files before downloading any of them
        if attachment.size > max_bytes:
            raise RequestError(
                f"{_label(attachment)} is {_mb(attachment.size)}; the limit is {_mb(max_bytes)}."
            )
    bodies = await asyncio.gather(*(download(session, a, max_bytes=max_bytes) for a in attachments))
    return [
        await asyncio.to_thread(_validate, a, body, max_pixels)
        for a, body in zip(attachments, bodies, strict=True)
    ]


def _validate(attachment: Downloadable, data: bytes, max_pixels: int) -> InputImage:
    name = _label(attachment)
    try:
        image = load_image(data, max_pixels=max_pixels, name=name)
    except ImageError as exc:
        raise RequestError(f"{exc}.".replace("..", ".")) from exc
    return InputImage(name=attachment.filename, data=data, size=image.size)


def _label(attachment: Downloadable) -> str:
    return f"`{code(attachment.filename)}`"


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"
