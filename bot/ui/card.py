"""The result card (Components V2): the picture, what it was made from, a before/after
comparison, the parameters and the buttons (re-run, Info, Delete), in one container.

Every file the card shows travels with it, so it must fit the upload limit beside the picture:
the comparison goes first, then the thumbnails, when they would not fit. Where Discord refuses
the card anyway, delivery falls back to the plain message (see :mod:`bot.jobs.delivery`).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, replace
from typing import Any

import discord

from bot.job import Job, JobInputs
from bot.ui.embeds import result_text
from bot.ui.pictures import before_after, thumbnail
from bot.ui.timelapse import timelapse
from bot.ui.views import RERUN_CHANGES, DeleteButton, InfoButton, RerunButton

_ACCENT = discord.Colour.green()
NO_ROOM = "No timelapse: it would not fit in the upload limit here."


@dataclass(frozen=True)
class CardPicture:
    filename: str
    data: bytes
    description: str


@dataclass(frozen=True)
class CardPictures:
    """The pictures beside the result, made off the event loop."""

    inputs: tuple[CardPicture, ...]  # the content, then each style, as thumbnails
    comparison: CardPicture | None
    timelapse: CardPicture | None = None
    note: str | None = None  # why a timelapse that was asked for is not there

    @property
    def shown(self) -> list[CardPicture]:
        extras = (self.timelapse, self.comparison)
        return [*self.inputs, *(p for p in extras if p is not None)]

    @property
    def size(self) -> int:
        return sum(len(p.data) for p in self.shown)


def card_pictures(job: Job, images: JobInputs) -> CardPictures:
    """Thumbnails of the inputs (``images``: their bytes), the timelapse if asked for (fitted to
    the room the picture and thumbnails leave) and the before/after image (blocking: call it in
    a thread)."""
    assert job.result is not None
    result = job.result.image
    inputs = [CardPicture("content.jpg", thumbnail(images.content), "your photo")]
    for n, (style, picture) in enumerate(zip(job.styles, images.styles, strict=True), start=1):
        name = style.name if style.name.startswith(("style ", "preset ")) else f"style {n}"
        inputs.append(CardPicture(f"style-{n}.jpg", thumbnail(picture), name))
    animation, note = None, None
    if job.timelapse:
        room = job.upload_limit - len(result.data) - sum(len(p.data) for p in inputs)
        data = timelapse(job.frames, result.data, max_bytes=room)
        if data is not None:
            animation = CardPicture(f"timelapse-{job.id}.webp", data, "timelapse")
        elif not job.frames:
            note = "No timelapse: the previews were lost when the painting started over."
        else:
            note = NO_ROOM
    height = min(512, result.size[1])
    comparison = CardPicture(
        "before-after.jpg",
        before_after(images.content, result.data, height=height),
        "before and after",
    )
    return CardPictures(tuple(inputs), comparison, animation, note)


def fitted(pictures: CardPictures, *, room: int) -> CardPictures:
    """``pictures`` less what does not fit in ``room`` bytes: the comparison first, then the
    thumbnails, then the timelapse (which was made to fit beside them)."""
    for less in (
        pictures,
        replace(pictures, comparison=None),
        replace(pictures, comparison=None, inputs=()),
    ):
        if less.size <= room:
            return less
    note = NO_ROOM if pictures.timelapse else None
    return CardPictures((), None, None, note or pictures.note)


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
    beside = pictures.shown
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
    if pictures.note:
        details = f"{details}\n*{pictures.note}*".strip()
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
