"""The grid of styles a photo sent alone gets: which built-in styles, in what order, and the jobs
it and its buttons make (the grid itself, one tile painted at the member's size, four more).

The order of styles for a member and a photo: the member's favourites (``/prefer
--favourites``) first, in their order; then the rest of the gallery in its own order, starting
at a place the photo picks (its sha256), so that different photos open on different styles and
the same photo on the same ones. "Four more" walks on along that order, round to the start.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import discord
from PIL import Image

from bot.gallery import PAINTINGS, find
from bot.job import GridChoice, InputImage, Job
from bot.jobs.flags import RequestError
from bot.jobs.guild_config import GuildConfig
from bot.jobs.planning import JobRequest, Plan, upload_limit
from bot.jobs.preferences import favourites
from styleengine import StyleParams

TILES = 4  # the pictures of a grid


def style_order(favourite: Sequence[str], photo_digest: str) -> list[str]:
    """Every built-in style, in the order the member's grids of this photo show them."""
    names = [painting.name for painting in PAINTINGS]
    first = [name for name in dict.fromkeys(favourite) if name in names]
    rest = [name for name in names if name not in first]
    if rest:
        turn = int(photo_digest[:8], 16) % len(rest)
        rest = rest[turn:] + rest[:turn]
    return first + rest


def tiles_from(order: Sequence[str], start: int, count: int = TILES) -> tuple[str, ...]:
    """``count`` styles of ``order`` from ``start``, round to its beginning."""
    count = min(count, len(order))
    return tuple(order[(start + n) % len(order)] for n in range(count))


def painting_input(name: str) -> InputImage:
    """A built-in style as a job's input image."""
    data = find(name).data()
    with Image.open(io.BytesIO(data)) as image:
        size = image.size
    return InputImage.of(f"style {name}", data, size)


def grid_params(params: StyleParams, config: GuildConfig) -> StyleParams:
    """The member's parameters at the size and iterations of this server's grid."""
    return params.replace(size=config.grid_size, iterations=config.grid_iterations)


def grid_job(
    *,
    owner: discord.abc.User,
    guild_id: int | None,
    channel_id: int,
    content: InputImage,
    preferences: Mapping[str, str],
    flags: Mapping[str, str],
    params: StyleParams,
    sources: Mapping[str, str],
    start: int,
    upload: int,
    command_message_id: int | None = None,
) -> Job:
    """The job that paints ``content`` in the member's styles from ``start`` (``params``:
    already at the grid's size)."""
    order = style_order(favourites(preferences), content.digest)
    names = tiles_from(order, start)
    shown = {name: source for name, source in sources.items() if name not in ("size", "iterations")}
    return Job(
        owner_id=owner.id,
        owner_name=owner.display_name,
        guild_id=guild_id,
        channel_id=channel_id,
        content=content,
        styles=tuple(painting_input(name) for name in names),
        params=params,
        upload_limit=upload,
        sources={**shown, "size": "grid", "iterations": "grid"},
        grid=GridChoice(names, start % len(order), tuple(sorted(flags.items()))),
        command_message_id=command_message_id,
    )


def requested_grid(request: JobRequest, content: InputImage, plan: Plan) -> Job:
    """The grid of styles for a photo sent alone (RequestError for a GIF or video)."""
    assert plan.grid is not None
    if content.clip is not None:
        raise RequestError(
            "A GIF or video needs a style: attach one after it, or name a built-in one with "
            "`--style NAME` (`/styles` lists them). The grid of styles to pick from is for "
            "still photos."
        )
    return grid_job(
        owner=request.owner,
        guild_id=request.guild.id if request.guild is not None else None,
        channel_id=request.channel_id,
        content=content,
        preferences=plan.grid.preferences,
        flags=plan.grid.flags,
        params=grid_params(plan.params, plan.config),
        sources=plan.sources,
        start=0,
        upload=upload_limit(request.guild, request.filesize_limit),
        command_message_id=request.command_message_id,
    )


def more_job(
    old: Job,
    member: discord.abc.User,
    preferences: Mapping[str, str],
    params: StyleParams,
    sources: Mapping[str, str],
    *,
    channel_id: int,
    answered_in: discord.Guild | None,
    again: bool = False,
) -> Job:
    """The grid of the next four styles after ``old``'s (a grid job); ``again``: its own."""
    assert old.grid is not None
    return grid_job(
        owner=member,
        guild_id=old.guild_id,
        channel_id=channel_id,
        content=old.content,
        preferences=preferences,
        flags=dict(old.grid.flags),
        params=params,
        sources=sources,
        start=old.grid.start + (0 if again else len(old.grid.styles)),
        upload=upload_limit(answered_in),
    )


def pick_job(
    old: Job,
    tile: int,
    member: discord.abc.User,
    params: StyleParams,
    sources: Mapping[str, str],
    *,
    timelapse: bool,
    channel_id: int,
    answered_in: discord.Guild | None,
) -> Job:
    """Tile ``tile`` (1-based) of ``old``'s grid, painted at the member's own size."""
    assert old.grid is not None
    name = old.grid.styles[tile - 1]
    return Job(
        owner_id=member.id,
        owner_name=member.display_name,
        guild_id=old.guild_id,
        channel_id=channel_id,
        content=old.content,
        styles=(old.styles[tile - 1],),
        params=params,
        upload_limit=upload_limit(answered_in),
        sources=dict(sources),
        gallery=name,
        timelapse=timelapse,
    )
