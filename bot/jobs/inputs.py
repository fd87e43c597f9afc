"""Fetch a member's attachments from Discord's CDN, check they are images we can use, and keep
them only as large as they can be painted.

Only URLs Discord gives in its own objects are fetched (attachments, avatars), never links
from message text. The size Discord reports is checked before the download starts and the
body is read with a cap, so a lying Content-Length or a bigger file cannot make us read more.
Downloads in flight share a budget of bytes and decodes a budget of pixels (a raid's images
wait their turn instead of all sitting in memory at once), and an image larger than the largest
size a member may ask for is kept at that size.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol

import aiohttp
import discord
from PIL import Image

from bot.job import ClipSummary, InputImage
from bot.jobs.flags import RequestError
from bot.settings import BotSettings
from bot.text import code
from styleengine import ImageError, load_image
from styleengine.clip_writer import kept_bytes
from styleengine.clips import ClipLimits, is_animated, read_clip
from styleengine.images import fit_long_side, peek_size, resize

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


def is_image(attachment: discord.Attachment, *, clips: bool = False) -> bool:
    """Whether an attachment says it is an image (by type, or by name where it has none);
    with ``clips``, a video too (a photo may be a GIF or a short video)."""
    kinds = ("image/", "video/") if clips else ("image/",)
    if attachment.content_type:
        return attachment.content_type.startswith(kinds)
    names: tuple[str, ...] = (".png", ".jpg", ".jpeg", ".webp", ".gif", ".bmp", ".tif", ".tiff")
    if clips:
        names += (".mp4", ".webm", ".mov")
    return attachment.filename.lower().endswith(names)


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


class Budget:
    """Claims in flight share this much (pixels being decoded, bytes being downloaded); one
    claim larger than the whole budget goes alone."""

    def __init__(self, pixels: int) -> None:
        self.total = pixels
        self._free = pixels
        self._changed = asyncio.Condition()

    @contextlib.asynccontextmanager
    async def claim(self, pixels: int) -> AsyncIterator[None]:
        pixels = min(pixels, self.total)
        async with self._changed:
            await self._changed.wait_for(lambda: self._free >= pixels)
            self._free -= pixels
        try:
            yield
        finally:
            async with self._changed:
                self._free += pixels
                self._changed.notify_all()


class ImageIntake:
    """How members' images come in: downloaded with a cap, decoded within a pixel budget,
    validated, and kept at most ``keep_side`` pixels on their long side."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        max_bytes: int,
        max_pixels: int,
        keep_side: int,
        decode_pixels: int,
        download_bytes: int,
    ) -> None:
        self.session = session
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.keep_side = keep_side
        self.budget = Budget(decode_pixels)  # pixels decoded at once
        self.downloads = Budget(download_bytes)  # bytes of images in hand at once

    @classmethod
    def of(cls, session: aiohttp.ClientSession, settings: BotSettings) -> ImageIntake:
        """The intake the operator's settings ask for."""
        return cls(
            session,
            max_bytes=settings.max_download_bytes,
            max_pixels=settings.max_pixels,
            keep_side=settings.max_size,
            decode_pixels=settings.decode_pixels,
            download_bytes=settings.download_bytes,
        )

    async def fetch(
        self, attachments: Sequence[Downloadable], *, clip: ClipLimits | None = None
    ) -> list[InputImage]:
        """Download and check every attachment (the downloads at once), in order; with
        ``clip``, the first (the photo) may be a GIF or a video, taken within those limits."""
        for attachment in attachments:  # refuse oversize files before downloading any of them
            if attachment.size > self.max_bytes:
                raise RequestError(
                    f"{_label(attachment)} is {_mb(attachment.size)}; the limit is "
                    f"{_mb(self.max_bytes)}."
                )
        # Held from the download until the image is checked and kept (at most its kept size).
        claim = sum(a.size or self.max_bytes for a in attachments)
        async with self.downloads.claim(claim):
            bodies = await asyncio.gather(
                *(download(self.session, a, max_bytes=self.max_bytes) for a in attachments)
            )
            return [
                await self.check(a, body, clip=clip if k == 0 else None)
                for k, (a, body) in enumerate(zip(attachments, bodies, strict=True))
            ]

    async def check(
        self, attachment: Downloadable, data: bytes, *, clip: ClipLimits | None = None
    ) -> InputImage:
        """One downloaded image, decoded within the budget and kept at its paintable size (a
        clip, where ``clip`` allows one: its frames within those limits)."""
        if clip is not None and await asyncio.to_thread(is_animated, data):
            # Its frames are brought down to the clip's side as they are decoded.
            async with self.budget.claim(clip.frames * clip.side**2 + self.max_pixels // 4):
                return await asyncio.to_thread(_validate_clip, attachment, data, clip)
        try:
            width, height = await asyncio.to_thread(peek_size, data)
        except ImageError:
            width = height = 0  # the decode below says what is wrong with it
        async with self.budget.claim(width * height):
            return await asyncio.to_thread(
                _validate, attachment, data, self.max_pixels, self.keep_side
            )


def _validate(attachment: Downloadable, data: bytes, max_pixels: int, keep_side: int) -> InputImage:
    name = _label(attachment)
    try:
        image = load_image(data, max_pixels=max_pixels, name=name)
    except ImageError as exc:
        raise RequestError(f"{exc}.".replace("..", ".")) from exc
    if max(image.size) > keep_side:
        image = resize(image, fit_long_side(image.size, keep_side))
        data = _encode_kept(image, data)
    return InputImage.of(attachment.filename, data, image.size)


def _validate_clip(attachment: Downloadable, data: bytes, limits: ClipLimits) -> InputImage:
    try:
        clip = read_clip(data, limits)
    except ImageError as exc:
        raise RequestError(f"{_label(attachment)}: {exc}.".replace("..", ".")) from exc
    if not clip.animated:  # one frame within the limits: a still picture
        buffer = io.BytesIO()
        clip.frames[0].save(buffer, "PNG")
        return InputImage.of(attachment.filename, buffer.getvalue(), clip.size)
    summary = ClipSummary(
        len(clip.frames), clip.seconds, clip.trimmed, clip.thinned, clip.kind == "video"
    )
    return InputImage.of(attachment.filename, kept_bytes(clip), clip.size, summary)


def _encode_kept(image: Image.Image, original: bytes) -> bytes:
    """A smaller image as kept: JPEG (quality 95) where the member sent a JPEG, else PNG."""
    with Image.open(io.BytesIO(original)) as opened:
        was_jpeg = opened.format in ("JPEG", "MPO")
    buffer = io.BytesIO()
    if was_jpeg:
        image.save(buffer, "JPEG", quality=95)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _label(attachment: Downloadable) -> str:
    return f"`{code(attachment.filename)}`"


def _mb(size: int) -> str:
    return f"{size / 2**20:.1f} MB"
