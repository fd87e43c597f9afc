"""What a job's messages say: pure functions from a job to embeds and text."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import discord

from bot.job import Job, JobState
from bot.store.daily import DailyLimits, DailyUse
from bot.text import clip
from styleengine.params import flag_name

PREVIEW_NAME = "preview.jpg"
_COLOURS = {
    JobState.QUEUED: discord.Colour.light_grey(),
    JobState.RUNNING: discord.Colour.blurple(),
    JobState.DONE: discord.Colour.green(),
    JobState.FAILED: discord.Colour.red(),
    JobState.CANCELLED: discord.Colour.dark_grey(),
}
_BAR = 20


def progress_bar(fraction: float, width: int = _BAR) -> str:
    filled = round(max(0.0, min(1.0, fraction)) * width)
    return "\u2588" * filled + "\u2591" * (width - filled) + f" {fraction:.0%}"


def duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def status_embed(job: Job, *, queue_length: int, note: str | None = None) -> discord.Embed:
    """The job's status message: queued with its position, running with a bar, or finished;
    ``note`` says why waiting jobs are held up, if they are."""
    embed = discord.Embed(colour=_COLOURS[job.state], title=_title(job))
    embed.set_footer(text=f"job {job.id} \u00b7 {job.owner_name}")
    if job.state is JobState.QUEUED:
        ahead = (job.position or 1) - 1
        embed.description = f"Position **{job.position}** of {queue_length} in the queue" + (
            f" ({ahead} job(s) ahead of yours)." if ahead else " \u2014 you're next."
        )
    elif job.state is JobState.RUNNING:
        embed.description = _running(job)
        if job.preview is not None:
            embed.set_image(url=f"attachment://{PREVIEW_NAME}")
    elif job.state is JobState.DONE and job.result is not None:
        embed.description = f"Finished in {duration(job.result.elapsed)}."
    elif job.state is JobState.FAILED:
        embed.description = job.error or "Something went wrong."
    elif job.state is JobState.CANCELLED:
        who = f" by {job.cancelled_by}" if job.cancelled_by else ""
        embed.description = f"Cancelled{who}."
    if job.clip_note and not job.state.finished:
        embed.description = f"{embed.description}\n{job.clip_note}"
    for line in (note or "").splitlines():
        embed.description = f"{embed.description}\n*{line}*"
    if job.restarted and not job.state.finished:
        embed.description = (
            f"{embed.description}\n*A painter stopped while painting this; another one "
            "started it again.*"
        )
    if job.resumed and not job.state.finished:
        embed.description = f"{embed.description}\n*Picked up again after the bot restarted.*"
    embed.add_field(name="Settings", value=settings_line(job), inline=False)
    return embed


def _title(job: Job) -> str:
    return {
        JobState.QUEUED: "Queued",
        JobState.RUNNING: "Painting\u2026",
        JobState.DONE: "Done",
        JobState.FAILED: "Failed",
        JobState.CANCELLED: "Cancelled",
    }[job.state]


def _running(job: Job) -> str:
    progress = job.progress
    if progress is None:
        where = f" on `{job.device}`" if job.device else ""
        return f"Starting{where}\u2026\n`{progress_bar(0)}`"
    eta = "estimating time left"
    if progress.eta is not None:
        eta = f"about {duration(progress.eta)} left"
    width, height = progress.size
    if progress.frames:  # a clip: which frame, the latest painted frame as the preview
        return (
            f"`{progress_bar(progress.fraction)}`\n"
            f"Frame {progress.frame} of {progress.frames} ({width}\u00d7{height}) \u00b7 "
            f"iteration {progress.iteration} of {progress.iterations} \u00b7 {eta}"
        )
    return (
        f"`{progress_bar(progress.fraction)}`\n"
        f"Iteration {progress.iteration} of {progress.iterations} \u00b7 scale {progress.scale} of "
        f"{progress.scales} ({width}\u00d7{height}) \u00b7 {eta}"
    )


def settings_line(job: Job) -> str:
    params = job.params
    values = params.as_strings()
    parts = [f"size {params.size}", f"{params.iterations} iterations"]
    parts += [f"{flag_name(name)} {values[name]}" for name in job.sources if name not in _SHOWN]
    if job.gallery:
        parts.append(f"style {job.gallery}")
    if job.preset:
        parts.append(f"preset {job.preset}")
    styles = len(job.styles)
    parts.append(f"{styles} style image{'s' if styles > 1 else ''}")
    return clip(" \u00b7 ".join(parts), 1000)


_SHOWN = ("size", "iterations")
# Always stated on the result, whatever the member asked; other knobs only when chosen.
_ALWAYS = ("size", "iterations", "content_weight", "style_weight", "tv_weight")


def result_text(job: Job) -> str:
    """The message that carries the finished picture, with the parameters used and who
    chose them (the member, the server's settings, or else the bot's defaults)."""
    assert job.result is not None
    result = job.result
    width, height = result.image.size
    values = job.params.as_strings()
    names = [*_ALWAYS, *(name for name in job.sources if name not in _ALWAYS)]
    used = " ".join(f"{flag_name(name)} {values[name]}" for name in names)
    if job.gallery:
        used += f" --style {job.gallery}"
    if job.timelapse:
        used += " --timelapse yes"
    if job.preset:
        used += f" --preset {job.preset}"
    by = []
    for source, who in (
        ("member", "you"),
        ("personal", "your /prefer"),
        ("server", "this server's settings"),
        ("clip", "this server's limit for clips"),
    ):
        flags = [f"`{flag_name(n)}`" for n, s in job.sources.items() if s == source]
        if flags:
            by.append(f"{who}: {', '.join(flags)}")
    chosen = f"\nChosen by {'; by '.join(by)}; the rest are defaults." if by else ""
    if job.shrunk_from is not None:
        chosen += (
            f"\nThe painter ran out of memory at size {job.shrunk_from}, so this one is "
            f"{job.params.size}."
        )
    what = f"clip of {result.frames} frames" if result.frames else "picture"
    return clip(
        f"<@{job.owner_id}> here is your {what} ({width}\u00d7{height}, "
        f"{duration(result.elapsed)} on {result.device}, {result.precision}).\n"
        f"Parameters: `{used}`{chosen}",
        2000,
    )


def daily_line(used: DailyUse, limits: DailyLimits) -> str:
    """The member's pictures of the last 24 hours against the daily quotas (and the server's)."""
    line = f"Your pictures: {used.member} of {limits.member}"
    if limits.server is not None and used.server is not None:
        line += f" \u00b7 this server's: {used.server} of {limits.server}"
    return line


def queue_embed(
    running: list[Job],
    waiting: list[Job],
    *,
    elsewhere: int = 0,
    own: bool = False,
    note: str | None = None,
) -> discord.Embed:
    """This server's jobs (``own``: the member's own, in a DM), in the queue's order; the jobs
    of other places are only counted; ``note`` (a pause) above them."""
    embed = _queue_list(running, waiting, elsewhere=elsewhere, own=own)
    if note:
        embed.description = f"**{note}**\n\n{embed.description}"
    return embed


def _queue_list(
    running: list[Job], waiting: list[Job], *, elsewhere: int, own: bool
) -> discord.Embed:
    embed = discord.Embed(title="StyleBot queue", colour=discord.Colour.blurple())
    others = f" \u00b7 {elsewhere} elsewhere" if elsewhere else ""
    if not running and not waiting:
        mine = "You have no jobs" if own else "No jobs from this server are"
        embed.description = f"{mine} in the queue: `!stylize` starts one."
        if not elsewhere:
            embed.description = "The queue is empty: `!stylize` starts a job right away."
        embed.set_footer(text=f"0 running \u00b7 0 waiting{others}")
        return embed
    lines = []
    for job in running:
        done = f"{job.progress.fraction:.0%}" if job.progress else "starting"
        lines.append(f"\u25b6 `{job.id}` {job.owner_name} \u2014 {done} (size {job.params.size})")
    for job in waiting[:20]:
        lines.append(f"{job.position}. `{job.id}` {job.owner_name} (size {job.params.size})")
    if len(waiting) > 20:
        lines.append(f"\u2026 and {len(waiting) - 20} more")
    embed.description = "\n".join(lines)
    embed.set_footer(text=f"{len(running)} running \u00b7 {len(waiting)} waiting{others}")
    return embed


# Who chose a knob, in words, highest precedence first (the rest are the bot's defaults).
CHOSEN_BY = {
    "member": "you, in this request",
    "personal": "your /prefer",
    "server": "this server",
    "clip": "this server's limit for clips",
}


def info_embed(job: Job, made: dict[str, Any] | None, *, link: str | None) -> discord.Embed:
    """A result's Info: every parameter with who chose it, the time, device and precision,
    and a link to the request."""
    embed = discord.Embed(title=f"Job {job.id}", colour=discord.Colour.blurple())
    values = job.params.as_strings()
    lines = []
    for name, value in values.items():
        if value in ("", None):
            continue
        who = CHOSEN_BY.get(job.sources.get(name, ""), "default")
        lines.append(f"`{flag_name(name)} {clip(str(value), 60)}` \u2014 {who}")
    if job.gallery:
        lines.append(f"`--style {job.gallery}` \u2014 you")
    if job.preset:
        lines.append(f"`--preset {job.preset}` \u2014 you")
    embed.description = clip(
        "Precedence: your flags > your `/prefer` > this server's settings > the defaults.\n"
        + "\n".join(lines),
        4000,
    )
    if made is not None:
        width, height = made.get("size") or (0, 0)
        embed.add_field(name="Picture", value=f"{width}\u00d7{height} {made.get('format')}")
        embed.add_field(name="Time", value=duration(float(made.get("elapsed") or 0)))
        embed.add_field(name="Device", value=f"{made.get('device')}, {made.get('precision')}")
    styles = ", ".join(image.name for image in job.styles)
    embed.add_field(name="Made from", value=clip(f"{job.content.name} in {styles}", 1000),
                    inline=False)  # fmt: skip
    if link:
        embed.add_field(name="Request", value=f"[jump to it]({link})", inline=False)
    embed.set_footer(text=f"asked by {job.owner_name}")
    embed.timestamp = datetime.fromtimestamp(job.created_at, UTC)
    return embed
