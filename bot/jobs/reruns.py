"""A job made again from an old one: a result's "More style", "More content" and "Larger"
buttons and the history's "Run again" (within the server's limits), and the smaller size an
out-of-memory job is tried once more at."""

from __future__ import annotations

import discord

from bot.job import Job
from bot.jobs.flags import RequestError
from bot.jobs.guild_config import GuildConfig
from bot.jobs.planning import upload_limit
from styleengine import StyleParams, knobs

_KNOB_MAX = {knob.name: knob.hi for knob in knobs()}
RERUN_KNOB = {"style": "style_weight", "content": "content_weight", "size": "size"}


def rerun(old: Job, change: str, member: discord.abc.User, config: GuildConfig, *,
          answered_in: discord.Guild | None, channel_id: int | None = None,
          clip: bool = False) -> Job:  # fmt: skip
    """The job a result's "More style / More content / Larger" button (or the history's "Run
    again", ``change`` "same") asks for, within ``config`` (the job's own server's; ``clip``:
    its limits for clips); its picture goes where the button was pressed (``channel_id``)."""
    changed = {RERUN_KNOB[change]: "member"} if change in RERUN_KNOB else {}
    return Job(
        owner_id=member.id,
        owner_name=member.display_name,
        guild_id=old.guild_id,
        channel_id=channel_id or old.channel_id,
        content=old.content,
        styles=old.styles,
        params=_rerun_params(old.params, change, config, clip=clip),
        upload_limit=upload_limit(answered_in),
        sources={**old.sources, **changed},
        preset=old.preset,
        gallery=old.gallery,
        timelapse=old.timelapse,
    )


def _rerun_params(
    params: StyleParams, change: str, config: GuildConfig, *, clip: bool = False
) -> StyleParams:
    if change == "same":
        return params.replace(
            size=min(params.size, config.clip_size if clip else config.max_size),
            iterations=min(params.iterations, config.max_iterations),
        )
    if change == "style":
        weight = min(params.style_weight * 2, _KNOB_MAX["style_weight"] or 0)
        return params.replace(style_weight=weight)
    if change == "content":
        weight = min(params.content_weight * 2, _KNOB_MAX["content_weight"] or 0)
        return params.replace(content_weight=weight)
    largest = config.clip_size if clip else config.max_size
    size = min(largest, round(params.size * 1.5 / 8) * 8)
    if size <= params.size:
        what = "for clips " if clip else ""
        raise RequestError(f"That is already the largest size {what}here ({largest} px).")
    return params.replace(size=size)


def smaller(size: int) -> int | None:
    """The size an out-of-memory job is tried once more at: about half the pixels."""
    size_down = max(16, round(size * 0.7 / 8) * 8)
    return size_down if size_down < size else None
