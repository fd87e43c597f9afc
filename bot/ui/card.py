"""The result card (Components V2): the picture, what it was made from, a before/after
comparison, the parameters and the buttons (re-run, Info, Delete), in one container.

Every file the card shows travels with it, so it must fit the upload limit beside the picture:
the comparison goes first, then the thumbnails, when they would not fit. Where Discord refuses
the card anyway, delivery falls back to the plain message (see :mod:`bot.jobs.delivery`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import discord

from bot.jobs.job import Job
from bot.ui.embeds import result_text
from bot.ui.pictures import before_after, thumbnail
from bot.ui.views import RERUN_CHANGES, DeleteButton, InfoButton, RerunButton

_ACCENT = discord.Colour.green()


@dataclass(frozen=True)
class CardPicture:
    filename: str
    data: bytes
    description: str


@dataclass(frozen=True)
class CardPictures:
    """The small pictures beside the result, made off the event loop."""

    inputs: tuple[CardPicture, ...]  # the content, then each style, as thumbnails
    comparison: CardPicture | None

    @property
    def size(self) -> int:
        extra = self.comparison.data if self.comparison else b""
        return sum(len(p.data) for p in self.inputs) + len(extra)


def card_pictures(job: Job) -> CardPictures:
    """Thumbnails of the inputs and the before/after image (blocking: call it in a thread)."""
    assert job.result is not None
    inputs = [CardPicture("content.jpg", thumbnail(job.content.data), "your photo")]
    for n, style in enumerate(job.styles, start=1):
        name = style.name if style.name.startswith(("style ", "preset ")) else f"style {n}"
        inputs.append(CardPicture(f"style-{n}.jpg", thumbnail(style.data), name))
    height = min(512, job.result.image.size[1])
    comparison = CardPicture(
        "before-after.jpg",
        before_after(job.content.data, job.result.image.data, height=height),
        "before and after",
    )
    return CardPictures(tuple(inputs), comparison)


def fitted(pictures: CardPictures, *, room: int) -> CardPictures:
    """``pictures`` less what does not fit in ``room`` bytes: the comparison, then the rest."""
    if pictures.size <= room:
        return pictures
    without = CardPictures(pictures.inputs, None)
    if without.size <= room:
        return without
    return CardPictures((), None)


def result_card(job: Job, pictures: CardPictures) -> dict[str, Any]:
    """The card's message fields (built afresh per send: a discord.File is read once)."""
    assert job.result is not None
    image = job.result.image
    result_name = f"stylized-{job.id}.{image.extension}"
    pictures = fitted(pictures, room=job.upload_limit - len(image.data))
    files = [discord.File(io.BytesIO(image.data), filename=result_name)]
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(
        accent_colour=_ACCENT
    )
    headline, _, details = result_text(job).partition("\n")
    container.add_item(discord.ui.TextDisplay(headline))
    container.add_item(
        discord.ui.MediaGallery(
            discord.MediaGalleryItem(f"attachment://{result_name}", description="the result")
        )
    )
    beside = [*pictures.inputs, *([pictures.comparison] if pictures.comparison else [])]
    if beside:
        container.add_item(
            discord.ui.MediaGallery(
                *(
                    discord.MediaGalleryItem(
                        f"attachment://{p.filename}", description=p.description
                    )
                    for p in beside
                )
            )
        )
        files += [discord.File(io.BytesIO(p.data), filename=p.filename) for p in beside]
    if details:
        container.add_item(discord.ui.TextDisplay(details))
    row: discord.ui.ActionRow[discord.ui.LayoutView] = discord.ui.ActionRow()
    for change in RERUN_CHANGES:
        row.add_item(RerunButton(job.id, change))
    row.add_item(InfoButton(job.id))
    row.add_item(DeleteButton(job.id, job.owner_id))
    container.add_item(row)
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return {
        "view": view,
        "files": files,
        "allowed_mentions": discord.AllowedMentions(users=[discord.Object(job.owner_id)]),
        "nonce": f"sb{job.id}",
    }
