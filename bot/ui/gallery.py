"""``/styles``: the built-in paintings and the server's presets as a paged gallery (Components V2).

A page is a ``LayoutView``: a container with a media gallery of thumbnails, the names to type
and where each painting comes from, and Previous / Next buttons. The buttons are dynamic items
(``stylebot:styles:<page>``), so they keep working after a restart.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, cast

import discord
from cachetools import LRUCache

from bot.gallery import PAINTINGS
from bot.ui.pictures import thumbnail
from bot.ui.views import RebuiltButton

PER_PAGE = 6  # Discord's media gallery holds 10; six thumbnails keep a page readable on phones


@dataclass(frozen=True)
class GalleryEntry:
    """One style on a page: what to type, a line about it, and its image."""

    name: str
    line: str
    kind: str  # "built-in" or "preset"
    image: Callable[[], Awaitable[bytes | None]]

    @property
    def attachment(self) -> str:
        prefix = "preset-" if self.kind == "preset" else ""
        return f"{prefix}{self.name}.jpg"


class PresetSource(Protocol):
    """The server's presets, as the gallery needs them (the store)."""

    async def names(self, guild_id: int) -> list[str]: ...

    async def image(self, guild_id: int, name: str) -> bytes | None: ...


def built_in_entries() -> list[GalleryEntry]:
    def reader(data: Callable[[], bytes]) -> Callable[[], Awaitable[bytes | None]]:
        async def read() -> bytes | None:
            return data()

        return read

    return [
        GalleryEntry(p.name, f"{p.caption}\n-# {p.source}", "built-in", reader(p.data))
        for p in PAINTINGS
    ]


async def entries_for(guild_id: int | None, presets: PresetSource) -> list[GalleryEntry]:
    """The built-in styles, then this server's presets (none outside a server)."""
    entries = built_in_entries()
    if guild_id is None:
        return entries
    for name in await presets.names(guild_id):

        async def read(name: str = name) -> bytes | None:
            return await presets.image(guild_id, name)

        entries.append(GalleryEntry(name, "a style this server keeps", "preset", read))
    return entries


async def gallery_page(entries: Sequence[GalleryEntry], page: int) -> dict[str, Any]:
    """The message fields of page ``page`` (0-based, clamped): ``view`` and ``files``."""
    pages = max(1, -(-len(entries) // PER_PAGE))
    page = max(0, min(page, pages - 1))
    shown = entries[page * PER_PAGE : (page + 1) * PER_PAGE]
    images = await asyncio.gather(*(entry.image() for entry in shown))
    files, items, lines = [], [], []
    for entry, data in zip(shown, images, strict=True):
        flag = "--preset" if entry.kind == "preset" else "--style"
        lines.append(f"**`{entry.name}`** ({entry.kind}, `{flag} {entry.name}`): {entry.line}")
        if data is None:
            continue
        small = await asyncio.to_thread(_thumbnail, data)
        files.append(discord.File(io.BytesIO(small), filename=entry.attachment))
        items.append(
            discord.MediaGalleryItem(f"attachment://{entry.attachment}", description=entry.name)
        )
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(
        discord.ui.TextDisplay(
            f"## Styles \u00b7 page {page + 1} of {pages}\n"
            "Use one by name: `/stylize style_name:great_wave` or `!stylize --style great_wave` "
            "with only your photo attached."
        ),
        accent_colour=discord.Colour.blurple(),
    )
    if items:
        container.add_item(discord.ui.MediaGallery(*items))
    container.add_item(discord.ui.TextDisplay("\n".join(lines)))
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    row: discord.ui.ActionRow[discord.ui.LayoutView] = discord.ui.ActionRow()
    row.add_item(PageButton(page - 1, "Previous", disabled=page == 0))
    row.add_item(PageButton(page + 1, "Next", disabled=page >= pages - 1))
    view.add_item(row)
    return {"view": view, "files": files}


# Thumbnails by their picture's sha256: small, and only the most recently shown ones.
_THUMBNAILS: LRUCache[str, bytes] = LRUCache(maxsize=256)


def _thumbnail(data: bytes) -> bytes:
    """Thumbnails are made once per picture (the built-in ones are the same bytes each time);
    the cache holds the small pictures, keyed by a digest, never the large ones."""
    digest = hashlib.sha256(data).hexdigest()
    small = _THUMBNAILS.get(digest)
    if small is None:
        small = _THUMBNAILS[digest] = thumbnail(data)
    return small


class _HasGallery(Protocol):
    async def gallery_entries(self, guild_id: int | None) -> list[GalleryEntry]: ...


class PageButton(
    RebuiltButton,
    template=r"stylebot:styles:(?P<page>-?\d{1,4})",
):
    def __init__(self, page: int | str, label: str = "Page", *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"stylebot:styles:{page}",
                disabled=disabled,
            )
        )
        self.page = int(page)

    async def callback(self, interaction: discord.Interaction) -> None:
        client = cast(_HasGallery, interaction.client)
        await interaction.response.defer()  # reading presets and making thumbnails takes a moment
        entries = await client.gallery_entries(interaction.guild_id)
        fields = await gallery_page(entries, self.page)
        await interaction.edit_original_response(view=fields["view"], attachments=fields["files"])
