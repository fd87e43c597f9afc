"""The message that ends a job: the picture (or why there is none), pinging the member.

A finished picture goes out as a result card (:mod:`bot.ui.card`); where Discord will not take
the card (permissions, size, a bad component), the same picture goes out as a plain message
with the parameters and the re-run buttons, and a failed job as a line of text."""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord

from bot.job import Job, JobInputs, JobState
from bot.ui.card import CardPicture, CardPictures, card_pictures, result_card
from bot.ui.embeds import result_text
from bot.ui.grid_card import grid_announcement, grid_card
from bot.ui.pacing import ChannelPacer
from bot.ui.replies import Replier
from bot.ui.views import result_view

log = logging.getLogger(__name__)


async def announce(
    job: Job,
    replier: Replier | None,
    *,
    inputs: JobInputs | None,
    pacer: ChannelPacer,
    channel_for: Callable[[int], discord.abc.Messageable],
    dm_for: Callable[[int], Awaitable[discord.abc.Messageable]] | None = None,
) -> bool:
    """Post the result (or the failure) as a new message that pings the member; False if
    Discord took neither that, nor a plain message in the channel, nor one in their DMs.
    ``inputs``: the bytes of the job's images, for the card (without them, the plain one)."""
    if replier is None or job.state is JobState.CANCELLED:
        return True
    if job.grid is not None and job.result is not None and job.state is JobState.DONE:
        return await _deliver(job, replier, grid_card, grid_announcement, pacer, channel_for,
                              dm_for)  # fmt: skip
    card = await _card(job, inputs)
    animation = card.timelapse if card is not None else None
    if card is not None:
        return await _deliver(job, replier, lambda j: result_card(j, card),
                              lambda j: announcement(j, animation), pacer, channel_for,
                              dm_for)  # fmt: skip
    return await _plain(job, replier, lambda: announcement(job, animation), pacer, channel_for,
                        dm_for)  # fmt: skip


async def _deliver(
    job: Job,
    replier: Replier,
    card: Callable[[Job], dict[str, Any]],
    plain: Callable[[Job], dict[str, Any]],
    pacer: ChannelPacer,
    channel_for: Callable[[int], discord.abc.Messageable],
    dm_for: Callable[[int], Awaitable[discord.abc.Messageable]] | None,
) -> bool:
    """``card`` as a reply, else ``plain`` wherever it goes (see :func:`_plain`)."""
    try:
        await replier.send(**card(job))
        return True
    except discord.HTTPException as exc:
        log.warning("job %s: the card was refused (%s); sending the plain one", job.id, exc)
    except Exception:  # a fault in building the card must not cost the member the picture
        log.exception("job %s: the card failed; sending the plain one", job.id)
    return await _plain(job, replier, lambda: plain(job), pacer, channel_for, dm_for)


async def _plain(
    job: Job,
    replier: Replier,
    fields: Callable[[], dict[str, Any]],
    pacer: ChannelPacer,
    channel_for: Callable[[int], discord.abc.Messageable],
    dm_for: Callable[[int], Awaitable[discord.abc.Messageable]] | None,
) -> bool:
    """The plain message (``fields``, made afresh per send) as a reply, else in the channel,
    else in the member's DMs; False if none took it."""
    try:
        await replier.send(**fields())
    except discord.HTTPException as exc:
        log.warning("job %s: reply failed (%s); posting in the channel", job.id, exc)
        try:
            await pacer.slot(job.channel_id)
            await channel_for(job.channel_id).send(**fields())
        except discord.HTTPException as second:
            if dm_for is None:
                log.exception("job %s: could not deliver; it stays in the journal", job.id)
                return False
            log.warning("job %s: the channel refused it too (%s); sending a DM", job.id, second)
            try:
                await (await dm_for(job.owner_id)).send(**fields())
            except discord.HTTPException:
                log.exception("job %s: could not deliver; it stays in the journal", job.id)
                return False
    return True


async def _card(job: Job, inputs: JobInputs | None) -> CardPictures | None:
    """The card's small pictures, or None where the job has no picture or they cannot be made."""
    if job.state is not JobState.DONE or job.result is None or inputs is None:
        return None
    try:
        return await asyncio.to_thread(card_pictures, job, inputs)
    except (OSError, ValueError) as exc:  # Pillow could not read or write one of them
        log.warning("job %s: no result card (%s)", job.id, exc)
        return None


def announcement(job: Job, timelapse: CardPicture | None = None) -> dict[str, Any]:
    """The plain message's fields, the timelapse beside the picture if there is one (built
    afresh per send: a discord.File is read once).

    Its nonce makes Discord drop a second post of it (a retry, or a restart between posting
    and journaling it) and return the first."""
    mentions = discord.AllowedMentions(users=[discord.Object(job.owner_id)])
    nonce = f"sb{job.id}"
    if job.state is not JobState.DONE or job.result is None:
        text = f"<@{job.owner_id}> your job `{job.id}` failed: {job.error}"
        return {"content": text, "allowed_mentions": mentions, "nonce": nonce}
    image = job.result.image
    files = [discord.File(io.BytesIO(image.data), filename=f"stylized-{job.id}.{image.extension}")]
    if timelapse is not None:
        files.append(discord.File(io.BytesIO(timelapse.data), filename=timelapse.filename))
    return {
        "content": result_text(job),
        "files": files,
        "view": result_view(job.id),
        "allowed_mentions": mentions,
        "nonce": nonce,
    }
