"""The job service: takes requests, queues them fairly, runs them on the worker pool, keeps
their status messages current and delivers the results. Commands and buttons call into it."""

from __future__ import annotations

import asyncio
import io
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord

from bot.embeds import result_text, status_embed
from bot.flags import RequestError, changed_flags, resolve_params
from bot.inputs import fetch_images
from bot.jobs import InputImage, Job, JobState
from bot.looplag import LagSnapshot
from bot.pacing import ChannelPacer
from bot.queue import FairQueue, QueueRefused
from bot.render import render
from bot.replies import InteractionReplier, Replier
from bot.settings import BotSettings
from bot.status import StatusMessage
from bot.views import cancel_view, result_view
from styleengine import (
    Cancelled,
    ImageError,
    OutOfMemory,
    ParamError,
    Progress,
    StyleParams,
    WeightsError,
    available_devices,
    knobs,
)

log = logging.getLogger(__name__)

# Discord's multipart wrapping and the message text need room beside the file itself.
_UPLOAD_MARGIN = 256 * 1024
_KNOB_MAX = {knob.name: knob.hi for knob in knobs()}


@dataclass(frozen=True)
class JobRequest:
    """What a command collected: who asked, where, the attachments and the parameters."""

    owner: discord.abc.User
    guild: discord.Guild | None
    channel_id: int
    attachments: Sequence[discord.Attachment]
    params: StyleParams


class JobService:
    def __init__(
        self,
        settings: BotSettings,
        session: aiohttp.ClientSession,
        channel_for: Callable[[int], discord.abc.Messageable],
        loop_lag: Callable[[], LagSnapshot],
    ) -> None:
        self.settings = settings
        self.session = session
        self.channel_for = channel_for
        self.loop_lag = loop_lag
        self.defaults = settings.job_defaults()
        self.queue = FairQueue(settings.queue_limit, settings.user_limit)
        self.queue.on_change(self._queue_moved)
        self.devices = settings.devices or available_devices()
        self.jobs: dict[str, Job] = {}  # queued or running
        self.recent: OrderedDict[str, Job] = OrderedDict()  # finished, for the rerun buttons
        self.pacer = ChannelPacer()
        self._status: dict[str, StatusMessage] = {}
        self._repliers: dict[str, Replier] = {}
        self._workers: list[asyncio.Task[None]] = []

    # -- life cycle ---------------------------------------------------------------------------

    def start(self) -> None:
        for device in self.devices:
            for n in range(self.settings.workers_per_device):
                task = asyncio.create_task(self._worker(device), name=f"worker-{device}-{n}")
                self._workers.append(task)
        log.info("worker pool: %d worker(s) on %s", len(self._workers), ", ".join(self.devices))

    async def stop(self) -> None:
        for job in self.jobs.values():
            job.cancel.cancel()  # running engine threads stop within one iteration
        for task in self._workers:
            task.cancel()
        await asyncio.gather(*self._workers, return_exceptions=True)
        for status in self._status.values():
            status.stop()

    @property
    def worker_count(self) -> int:
        return sum(1 for task in self._workers if not task.done())

    # -- taking requests ----------------------------------------------------------------------

    async def submit(self, request: JobRequest, replier: Replier) -> Job | None:
        """Validate, download and queue a request; every refusal is a reply, never an error."""
        try:
            job = await self._prepare(request)
            await self._enqueue(job, replier)
        except (RequestError, QueueRefused) as exc:
            await replier.refuse(str(exc))
            return None
        return job

    def params_for(self, flags: dict[str, str]) -> StyleParams:
        """A member's flags over the defaults, within this bot's limits (or RequestError)."""
        return resolve_params(
            self.defaults,
            flags,
            max_size=self.settings.max_size,
            max_iterations=self.settings.max_iterations,
        )

    async def _prepare(self, request: JobRequest) -> Job:
        settings = self.settings
        params = request.params
        attachments = list(request.attachments)
        if len(attachments) < 2:
            raise RequestError(_missing_images(len(attachments)))
        if len(attachments) > 1 + settings.max_styles:
            raise RequestError(
                f"That is {len(attachments)} images; I take one content image and at most "
                f"{settings.max_styles} style images."
            )
        try:
            params.blend_weights(len(attachments) - 1)
        except ParamError as exc:
            raise RequestError(f"`{exc}`") from exc
        self.queue.check(request.owner.id)  # before downloading anything
        images = await fetch_images(
            self.session,
            attachments,
            max_bytes=settings.max_download_bytes,
            max_pixels=settings.max_pixels,
        )
        return self._job(request.owner, request.guild, request.channel_id, images, params)

    def _job(
        self,
        owner: discord.abc.User,
        guild: discord.Guild | None,
        channel_id: int,
        images: Sequence[InputImage],
        params: StyleParams,
    ) -> Job:
        limit = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
        if guild is not None:
            limit = guild.filesize_limit
        return Job(
            owner_id=owner.id,
            owner_name=owner.display_name,
            guild_id=guild.id if guild is not None else None,
            channel_id=channel_id,
            content=images[0],
            styles=tuple(images[1:]),
            params=params,
            changed=changed_flags(params, self.defaults),
            upload_limit=max(64 * 1024, limit - _UPLOAD_MARGIN),
        )

    async def _enqueue(self, job: Job, replier: Replier) -> None:
        self.queue.put(job)  # raises QueueRefused if the queue filled during the download
        self.jobs[job.id] = job
        status = StatusMessage(
            job, draw=self._draw, interval=self.settings.progress_interval, pacer=self.pacer
        )
        self._status[job.id] = status
        self._repliers[job.id] = replier
        try:
            await status.post(replier)
        except discord.HTTPException:
            log.exception("job %s: could not post its status message; dropping it", job.id)
            self.queue.remove(job)
            job.cancel.cancel()
            self._status.pop(job.id, None)
            self._retire(job)
            raise
        status.when_closed(lambda: self._status.pop(job.id, None))
        log.info(
            "job %s queued for %s (%d): size %d, %d iterations",
            job.id,
            job.owner_name,
            job.owner_id,
            job.params.size,
            job.params.iterations,
        )

    def _draw(self, job: Job) -> dict[str, Any]:
        view = None if job.state.finished else cancel_view(job.id)
        return {"embed": status_embed(job, queue_length=len(self.queue)), "view": view}

    def _queue_moved(self) -> None:
        for job in self.queue.waiting():
            status = self._status.get(job.id)
            if status is not None:
                status.touch()

    # -- buttons ------------------------------------------------------------------------------

    async def cancel_from_button(self, job_id: str, interaction: discord.Interaction) -> None:
        replier = InteractionReplier(interaction)
        job = self.jobs.get(job_id)
        if job is None:
            await replier.refuse("That job has already finished (or the bot restarted).")
            return
        member = interaction.user
        if member.id != job.owner_id and not interaction.permissions.manage_messages:
            await replier.refuse(
                "Only the member who asked for this job, or someone with Manage Messages, "
                "can cancel it."
            )
            return
        await interaction.response.defer()
        self.cancel(job, by=member.display_name)

    def cancel(self, job: Job, *, by: str) -> None:
        job.cancelled_by = by
        if job.state is JobState.QUEUED and self.queue.remove(job):
            job.state = JobState.CANCELLED
            self._retire(job)
        elif job.state is JobState.RUNNING:
            job.cancel.cancel()  # the worker notices within one iteration
        log.info("job %s cancelled by %s", job.id, by)

    async def rerun_from_button(
        self, job_id: str, change: str, interaction: discord.Interaction
    ) -> None:
        replier = InteractionReplier(interaction)
        old = self.recent.get(job_id)
        if old is None:
            await replier.refuse(
                "I no longer have the pictures of that job; please run `/stylize` again."
            )
            return
        try:
            params = self._rerun_params(old.params, change)
            self.queue.check(interaction.user.id)
        except (RequestError, QueueRefused) as exc:
            await replier.refuse(str(exc))
            return
        job = self._job(
            interaction.user,
            interaction.guild,
            old.channel_id,
            (old.content, *old.styles),
            params,
        )
        try:
            await self._enqueue(job, replier)
        except QueueRefused as exc:
            await replier.refuse(str(exc))

    def _rerun_params(self, params: StyleParams, change: str) -> StyleParams:
        if change == "style":
            weight = min(params.style_weight * 2, _KNOB_MAX["style_weight"] or 0)
            return params.replace(style_weight=weight)
        if change == "content":
            weight = min(params.content_weight * 2, _KNOB_MAX["content_weight"] or 0)
            return params.replace(content_weight=weight)
        size = min(self.settings.max_size, round(params.size * 1.5 / 8) * 8)
        if size <= params.size:
            raise RequestError(f"That is already the largest size on this bot ({size} px).")
        return params.replace(size=size)

    # -- running ------------------------------------------------------------------------------

    async def _worker(self, device: str) -> None:
        while True:
            job = await self.queue.get()
            try:
                await self._run(job, device)
            except Exception:
                log.exception("job %s: unexpected error in the worker", job.id)
            finally:
                self.queue.finish(job)
            # Not reached when the pool stops: a job cut off by shutdown is not "failed".
            if not job.state.finished:
                job.state = JobState.FAILED
                job.error = job.error or "Something went wrong; please try again."
            self._retire(job)

    async def _run(self, job: Job, device: str) -> None:
        job.state = JobState.RUNNING
        job.device = device
        self._touch(job)
        loop = asyncio.get_running_loop()

        def on_frame(frame: Progress, preview: bytes | None) -> None:  # worker thread
            loop.call_soon_threadsafe(self._progress, job, frame, preview)

        try:
            job.result = await asyncio.to_thread(
                render,
                job,
                device=device,
                on_frame=on_frame,
                preview_size=self.settings.preview_size,
                max_pixels=self.settings.max_pixels,
            )
        except Cancelled:
            job.state = JobState.CANCELLED
        except OutOfMemory:
            self._fail(
                job,
                f"The painter ran out of memory at size {job.params.size}; try a smaller `--size`.",
            )
        except (ImageError, ParamError) as exc:
            self._fail(job, f"I could not paint this: {exc}.")
        except WeightsError:
            log.exception("job %s: the model weights could not be loaded", job.id)
            self._fail(job, "The painter is misconfigured (model weights); the operator is told.")
        except Exception as exc:
            log.exception("job %s: the engine failed", job.id)
            self._fail(job, f"The painter failed ({type(exc).__name__}); please try again.")
        else:
            job.state = JobState.DONE
        self._touch(job)
        lag = self.loop_lag()
        log.info("job %s %s; event-loop lag p99 %.1f ms", job.id, job.state, lag.p99_ms)
        await self._announce(job)

    def _fail(self, job: Job, message: str) -> None:
        job.state = JobState.FAILED
        job.error = message

    def _progress(self, job: Job, frame: Progress, preview: bytes | None) -> None:
        if job.state is not JobState.RUNNING:
            return
        job.progress = frame
        if preview is not None:
            job.preview = preview
        self._touch(job)

    def _touch(self, job: Job) -> None:
        status = self._status.get(job.id)
        if status is not None:
            status.touch()

    async def _announce(self, job: Job) -> None:
        """Post the result (or the failure) as a new message that pings the member."""
        replier = self._repliers.get(job.id)
        if replier is None or job.state is JobState.CANCELLED:
            return
        try:
            await replier.send(**_announcement(job))
        except discord.HTTPException as exc:
            log.warning("job %s: reply failed (%s); posting in the channel", job.id, exc)
            await self.pacer.slot(job.channel_id)
            await self.channel_for(job.channel_id).send(**_announcement(job))

    def _retire(self, job: Job) -> None:
        self.jobs.pop(job.id, None)
        self._repliers.pop(job.id, None)
        status = self._status.get(job.id)
        if status is not None:
            status.touch()  # draws the final state, then its task ends and lets go of it
        if job.state is JobState.DONE and self.settings.recent_jobs:
            self.recent[job.id] = job
            while len(self.recent) > self.settings.recent_jobs:
                self.recent.popitem(last=False)


def _announcement(job: Job) -> dict[str, Any]:
    """The message that ends a job (built afresh per send: a discord.File is read once)."""
    mentions = discord.AllowedMentions(users=[discord.Object(job.owner_id)])
    if job.state is not JobState.DONE or job.result is None:
        text = f"<@{job.owner_id}> your job `{job.id}` failed: {job.error}"
        return {"content": text, "allowed_mentions": mentions}
    image = job.result.image
    return {
        "content": result_text(job),
        "file": discord.File(
            io.BytesIO(image.data), filename=f"stylized-{job.id}.{image.extension}"
        ),
        "view": result_view(job.id),
        "allowed_mentions": mentions,
    }


def _missing_images(count: int) -> str:
    have = "no image" if count == 0 else "only one image"
    return (
        f"I found {have}. Attach two: the first is your photo (content), the second the "
        "style to paint it in. You can also reply to a message holding the photo and "
        "attach just the style. `!stylize help` shows an example."
    )
