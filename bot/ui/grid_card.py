"""The answer to a photo sent alone: the grid of four styles (Components V2), a numbered button
per tile that paints it at the member's size, one for four more styles, and Delete; or the same
as a plain message where Discord refuses the card."""

from __future__ import annotations

import io
from typing import Any

import discord

from bot.gallery import find
from bot.job import Job
from bot.ui.embeds import duration
from bot.ui.views import DeleteButton, MoreButton, PickButton, grid_view

_ACCENT = discord.Colour.blurple()


def grid_lines(job: Job) -> str:
    """The tiles' styles, numbered as on the grid."""
    assert job.grid is not None
    lines = []
    for tile, name in enumerate(job.grid.styles, start=1):
        lines.append(f"**{tile}** \u00b7 {find(name).caption}")
    return "\n".join(lines)


def grid_text(job: Job) -> str:
    assert job.result is not None and job.grid is not None
    result = job.result
    count = len(job.grid.styles)
    return (
        f"<@{job.owner_id}> here are {count} styles for your photo: press a number to paint it "
        f"in that style at your size, or ask for {count} more.\n{grid_lines(job)}\n"
        f"-# grid painted in {duration(result.elapsed)} on {result.device}, {result.precision}"
    )


def _names(job: Job) -> list[str]:
    assert job.grid is not None
    return [find(name).title for name in job.grid.styles]


def grid_card(job: Job) -> dict[str, Any]:
    """The card's message fields (built afresh per send: a discord.File is read once)."""
    assert job.result is not None and job.grid is not None
    image = job.result.image
    filename = f"styles-{job.id}.{image.extension}"
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(
        accent_colour=_ACCENT
    )
    headline, _, details = grid_text(job).partition("\n")
    container.add_item(discord.ui.TextDisplay(headline))
    container.add_item(
        discord.ui.MediaGallery(
            discord.MediaGalleryItem(f"attachment://{filename}", description="four styles")
        )
    )
    container.add_item(discord.ui.TextDisplay(details))
    picks: discord.ui.ActionRow[discord.ui.LayoutView] = discord.ui.ActionRow()
    for tile, name in enumerate(_names(job), start=1):
        picks.add_item(PickButton(job.id, tile, job.owner_id, name))
    container.add_item(picks)
    more: discord.ui.ActionRow[discord.ui.LayoutView] = discord.ui.ActionRow()
    more.add_item(MoreButton(job.id, job.owner_id))
    more.add_item(DeleteButton(job.id, job.owner_id))
    container.add_item(more)
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return {
        "view": view,
        "files": [discord.File(io.BytesIO(image.data), filename=filename)],
        "allowed_mentions": discord.AllowedMentions(users=[discord.Object(job.owner_id)]),
        "nonce": f"sb{job.id}",
    }


def grid_announcement(job: Job) -> dict[str, Any]:
    """The plain message's fields: the grid, the text and the buttons."""
    assert job.result is not None
    image = job.result.image
    return {
        "content": grid_text(job),
        "files": [
            discord.File(io.BytesIO(image.data), filename=f"styles-{job.id}.{image.extension}")
        ],
        "view": grid_view(job.id, job.owner_id, _names(job)),
        "allowed_mentions": discord.AllowedMentions(users=[discord.Object(job.owner_id)]),
        "nonce": f"sb{job.id}",
    }
