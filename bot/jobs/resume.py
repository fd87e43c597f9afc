"""At start-up, pick the journal's unfinished jobs back up and tell their channels.

Queued jobs go back in the queue; jobs that were running start over, or, when a worker process
paints them, are followed again where they are (a job whose picture was already made is only
delivered). A job painted in the bot's own process that was cut off too often is given up with
a message, so one job that kills the bot cannot keep it in a crash loop. Each job keeps its
id, so the Cancel button on its old status message works again.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

import discord

from bot.job import Job, JobState
from bot.settings import BotSettings
from bot.store import Store
from bot.ui.pacing import ChannelPacer
from bot.ui.replies import ChannelReplier, Replier
from bot.ui.status import StatusMessage

T = TypeVar("T")

log = logging.getLogger(__name__)

# A job that was running when the bot stopped this many times is given up.
MAX_ATTEMPTS = 3


class Host(Protocol):
    """What resuming needs of the job service."""

    settings: BotSettings
    store: Store
    pacer: ChannelPacer
    channel_for: Callable[[int], discord.abc.Messageable]

    def restore(self, job: Job, replier: Replier) -> StatusMessage: ...

    def replier_for(self, job: Job) -> Replier | None: ...

    def background(self, task: asyncio.Task[None]) -> None: ...

    async def journal_safely(self, call: Awaitable[T]) -> T | None: ...


async def resume_jobs(service: Host, *, in_process: bool) -> None:
    """Queue the journal's unfinished jobs; their messages are sent in the background.

    ``in_process``: the bot paints its jobs itself, so a job cut off while painting may be
    what stopped the bot."""
    jobs, unreadable = await service.store.journal.unfinished()
    # Several bot processes share the journal: each resumes the jobs of its own shards' servers.
    jobs = [j for j in jobs if service.settings.runs_shard_of(j.guild_id)]
    unreadable = [e for e in unreadable if service.settings.runs_shard_of(e.guild_id)]
    if not jobs and not unreadable:
        return
    notices: dict[int, list[str]] = defaultdict(list)
    statuses: list[tuple[Job, StatusMessage]] = []
    given_up: list[Job] = []
    for job in jobs:
        was_running = job.state is JobState.RUNNING
        job.state = JobState.QUEUED
        job.resumed = True
        crash_loop = in_process and job.attempts >= MAX_ATTEMPTS
        if was_running and job.result is None and crash_loop:
            job.state = JobState.FAILED
            job.error = (
                f"it was cut off {job.attempts} times by the bot stopping while it painted, "
                "so I gave it up; a smaller `--size` may help"
            )
            given_up.append(job)
            continue
        channel = service.channel_for(job.channel_id)
        replier = ChannelReplier(channel, service.pacer, reply_to=job.command_message_id)
        statuses.append((job, service.restore(job, replier)))
        what = "back in the queue"
        if was_running and job.result is None:
            what = "following it again" if job.dispatch_key else "starting over"
        notices[job.channel_id].append(f"<@{job.owner_id}> `{job.id}` ({what})")
    for entry in unreadable:
        notices[entry.channel_id].append(
            f"<@{entry.owner_id}> `{entry.id}` could not be resumed: {entry.reason}"
        )
    log.info(
        "resumed %d job(s) from the journal; %d given up, %d unreadable",
        len(statuses),
        len(given_up),
        len(unreadable),
    )
    task = asyncio.create_task(
        _tell(service, notices, statuses, given_up, [e.id for e in unreadable]),
        name="resume-notices",
    )
    service.background(task)


async def _tell(
    service: Host,
    notices: dict[int, list[str]],
    statuses: list[tuple[Job, StatusMessage]],
    given_up: list[Job],
    unreadable: list[str],
) -> None:
    for channel_id, lines in notices.items():
        text = "I restarted and picked up the jobs I was working on here:\n" + "\n".join(lines)
        await _send(service, channel_id, text[:2000])
    for job, status in statuses:
        await _show_status(service, job, status)
    for job in given_up:
        text = f"<@{job.owner_id}> your job `{job.id}` failed: {job.error}."
        await _send(service, job.channel_id, text)
        await service.journal_safely(service.store.journal.finished(job))
    for job_id in unreadable:
        await service.journal_safely(service.store.journal.abandon(job_id))


async def _show_status(service: Host, job: Job, status: StatusMessage) -> None:
    """Keep editing the job's old status message, or post one if it never had one."""
    if job.status_message_id is not None:
        channel = service.channel_for(job.channel_id)
        if hasattr(channel, "get_partial_message"):
            status.adopt(channel.get_partial_message(job.status_message_id))
            return
    replier = service.replier_for(job)
    if replier is None or job.state.finished:
        return
    try:
        await status.post(replier)
    except discord.HTTPException:
        log.warning("job %s: could not post its status message after the restart", job.id)


async def _send(service: Host, channel_id: int, text: str) -> None:
    mentions = discord.AllowedMentions(users=True, everyone=False, roles=False)
    try:
        await service.pacer.slot(channel_id)
        await service.channel_for(channel_id).send(text, allowed_mentions=mentions)
    except discord.HTTPException as exc:
        log.warning("could not tell channel %d about the restart: %s", channel_id, exc)
