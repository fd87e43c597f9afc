"""The job service: takes requests, queues them fairly, runs them on the worker pool, keeps
their status messages current and delivers the results. Commands and buttons call into it."""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp
import discord

from bot.jobs.flags import RequestError, resolve_params
from bot.jobs.guild_config import GuildConfig, resolve
from bot.jobs.inputs import fetch_images
from bot.jobs.job import InputImage, Job, JobState
from bot.jobs.queue import FairQueue, QueueRefused
from bot.jobs.resume import resume_jobs
from bot.looplag import LagSnapshot
from bot.settings import BotSettings
from bot.store import Store
from bot.text import code
from bot.ui.embeds import result_text, status_embed
from bot.ui.pacing import ChannelPacer
from bot.ui.replies import InteractionReplier, Replier
from bot.ui.status import StatusMessage
from bot.ui.views import cancel_view, result_view
from bot.worker.render import render
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
T = TypeVar("T")

# Discord's multipart wrapping and the message text need room beside the file itself.
_UPLOAD_MARGIN = 256 * 1024
_KNOB_MAX = {knob.name: knob.hi for knob in knobs()}


@dataclass(frozen=True)
class JobRequest:
    """What a command collected: who asked, where, the attachments and the flags as text."""

    owner: discord.abc.User
    guild: discord.Guild | None
    channel_id: int
    attachments: Sequence[discord.Attachment]
    flags: dict[str, str]
    command_message_id: int | None = None  # the text command's message, replied to


class JobService:
    def __init__(
        self,
        settings: BotSettings,
        session: aiohttp.ClientSession,
        store: Store,
        channel_for: Callable[[int], discord.abc.Messageable],
        loop_lag: Callable[[], LagSnapshot],
    ) -> None:
        self.settings = settings
        self.session = session
        self.store = store
        self.channel_for = channel_for
        self.loop_lag = loop_lag
        self.queue = FairQueue(settings.queue_limit, settings.user_limit)
        self.queue.on_change(self._queue_moved)
        self.devices = settings.devices or available_devices()
        self.jobs: dict[str, Job] = {}  # queued or running
        self.pacer = ChannelPacer()
        self._status: dict[str, StatusMessage] = {}
        self._repliers: dict[str, Replier] = {}
        self._tasks: list[asyncio.Task[None]] = []

    # -- life cycle ---------------------------------------------------------------------------

    async def start(self) -> None:
        """Pick up the journal's unfinished jobs, then start the workers and the clean-up."""
        await resume_jobs(self)
        for device in self.devices:
            for n in range(self.settings.workers_per_device):
                task = asyncio.create_task(self._worker(device), name=f"worker-{device}-{n}")
                self._tasks.append(task)
        log.info("worker pool: %d worker(s) on %s", self.worker_count, ", ".join(self.devices))
        self._tasks.append(asyncio.create_task(self._sweeper(), name="journal-sweeper"))

    async def stop(self) -> None:
        """Stop working; unfinished jobs stay in the journal for the next start."""
        for job in self.jobs.values():
            job.cancel.cancel()  # running engine threads stop within one iteration
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for status in self._status.values():
            status.stop()

    @property
    def worker_count(self) -> int:
        return sum(
            1 for task in self._tasks if not task.done() and task.get_name().startswith("worker")
        )

    async def _sweeper(self) -> None:
        while True:
            older_than = time.time() - self.settings.retention_hours * 3600
            try:
                swept = await self.store.journal.sweep(older_than=older_than)
            except Exception:
                log.exception("journal clean-up failed; will try again")
            else:
                if swept.jobs or swept.blobs:
                    log.info("cleaned up %d old job(s), %d image(s)", swept.jobs, swept.blobs)
            await asyncio.sleep(self.settings.cleanup_interval)

    # -- taking requests ----------------------------------------------------------------------

    async def config_for(self, guild: discord.Guild | None) -> GuildConfig:
        stored = await self.store.guilds.get(guild.id) if guild is not None else {}
        return resolve(self.settings, stored)

    async def submit(
        self,
        request: JobRequest,
        replier: Replier,
        *,
        before_download: Callable[[], Awaitable[object]] | None = None,
    ) -> Job | None:
        """Validate, download and queue a request; every refusal is a reply, never an error.

        ``before_download`` runs once the request is known to be valid (a slash command defers
        there: the refusals before it stay private and instant)."""
        try:
            plan = await self._plan(request)
            if before_download is not None:
                await before_download()
            images = await fetch_images(
                self.session,
                plan.attachments,
                max_bytes=self.settings.max_download_bytes,
                max_pixels=self.settings.max_pixels,
            )
            if plan.preset is not None:
                images.insert(1, plan.preset[1])
            job = self._job(request, images, plan)
            await self._enqueue(job, replier, per_user=plan.config.user_limit)
        except (RequestError, QueueRefused) as exc:
            await replier.refuse(str(exc))
            return None
        return job

    async def _plan(self, request: JobRequest) -> _Plan:
        """Everything about a request that can be checked before downloading its images."""
        config = await self.config_for(request.guild)
        if not config.allows(request.channel_id):
            places = " ".join(f"<#{channel}>" for channel in sorted(config.channels))
            raise RequestError(f"On this server I paint in {places}; please ask me there.")
        flags = dict(request.flags)
        preset_name = flags.pop("preset", None)
        params, sources = self.params_for(flags, config)
        preset = None
        if preset_name is not None:
            preset = await self._preset(request.guild, preset_name)
        attachments = list(request.attachments)
        needed = 1 if preset is not None else 2
        styles = len(attachments) - 1 + (preset is not None)
        if len(attachments) < needed:
            raise RequestError(_missing_images(len(attachments), preset_name))
        if styles > self.settings.max_styles:
            counted = " (the preset counts as one)" if preset is not None else ""
            raise RequestError(
                f"That is {len(attachments)} images; I take one content image and at most "
                f"{self.settings.max_styles} style images{counted}."
            )
        try:
            params.blend_weights(styles)
        except ParamError as exc:
            raise RequestError(f"`{exc}`") from exc
        self.queue.check(request.owner.id, per_user=config.user_limit)  # before downloading
        return _Plan(config, params, sources, attachments, preset)

    def params_for(
        self, flags: dict[str, str], config: GuildConfig
    ) -> tuple[StyleParams, dict[str, str]]:
        """A member's flags over the server's settings, within its limits (or RequestError);
        with who chose each knob that was chosen."""
        params = resolve_params(
            config.params, flags, max_size=config.max_size, max_iterations=config.max_iterations
        )
        sources = {name: "server" for name in config.server_knobs}
        sources.update({key.replace("-", "_"): "member" for key in flags})
        return params, sources

    async def _preset(self, guild: discord.Guild | None, name: str) -> tuple[str, InputImage]:
        """The server's preset ``name``: its stored name and its image (or RequestError)."""
        if guild is None:
            raise RequestError("Style presets belong to a server; use `--preset` there.")
        key = name.strip().lower()
        preset = await self.store.presets.get(guild.id, key)
        if preset is None:
            names = [info.name for info in await self.store.presets.list(guild.id)]
            known = (
                "presets here: " + ", ".join(f"`{n}`" for n in names[:25])
                if names
                else "this server has none yet (admins add them with `styleset preset add`)"
            )
            raise RequestError(f"There is no style preset `{code(name)}`; {known}.")
        return key, InputImage(f"preset {key}", preset.data, preset.info.size)

    def _job(self, request: JobRequest, images: Sequence[InputImage], plan: _Plan) -> Job:
        return Job(
            owner_id=request.owner.id,
            owner_name=request.owner.display_name,
            guild_id=request.guild.id if request.guild is not None else None,
            channel_id=request.channel_id,
            content=images[0],
            styles=tuple(images[1:]),
            params=plan.params,
            upload_limit=_upload_limit(request.guild),
            sources=plan.sources,
            preset=plan.preset[0] if plan.preset else None,
            command_message_id=request.command_message_id,
        )

    async def _enqueue(self, job: Job, replier: Replier, *, per_user: int) -> None:
        """Journal the job, queue it, then acknowledge it with its status message."""
        self.queue.check(job.owner_id, per_user=per_user)  # the queue may have filled meanwhile
        try:
            await self.store.journal.record(job)  # before the member hears of it
        except Exception as exc:
            log.exception("job %s: could not write it to the journal", job.id)
            raise RequestError(
                "I cannot take jobs right now (my storage failed); the operator is told."
            ) from exc
        try:
            self.queue.put(job, per_user=per_user)
        except QueueRefused:
            job.state = JobState.CANCELLED
            await self.journal_safely(self.store.journal.finished(job))
            raise
        self.jobs[job.id] = job
        self._repliers[job.id] = replier
        status = self._status_message(job)
        try:
            await status.post(replier)
        except discord.HTTPException:
            log.exception("job %s: could not post its status message; dropping it", job.id)
            self.queue.remove(job)
            job.cancel.cancel()
            job.state = JobState.CANCELLED
            self._status.pop(job.id, None)
            await self._retire(job)
            raise
        if status.message is not None:
            job.status_message_id = status.message.id
            await self.journal_safely(self.store.journal.status_posted(job.id, status.message.id))
        log.info(
            "job %s queued for %s (%d): size %d, %d iterations",
            job.id,
            job.owner_name,
            job.owner_id,
            job.params.size,
            job.params.iterations,
        )

    def _status_message(self, job: Job) -> StatusMessage:
        status = StatusMessage(
            job, draw=self._draw, interval=self.settings.progress_interval, pacer=self.pacer
        )
        self._status[job.id] = status
        status.when_closed(lambda: self._status.pop(job.id, None))
        return status

    def restore(self, job: Job, replier: Replier) -> StatusMessage:
        """Queue a job taken before a restart (it was admitted then); returns its status."""
        self.queue.put(job, admitted=True)
        self.jobs[job.id] = job
        self._repliers[job.id] = replier
        return self._status_message(job)

    def replier_for(self, job: Job) -> Replier | None:
        return self._repliers.get(job.id)

    def background(self, task: asyncio.Task[None]) -> None:
        """Keep ``task`` until the service stops (and stop it then)."""
        self._tasks.append(task)

    def _draw(self, job: Job) -> dict[str, Any]:
        view = None if job.state.finished else cancel_view(job.id)
        return {"embed": status_embed(job, queue_length=len(self.queue)), "view": view}

    def _queue_moved(self) -> None:
        """Queue positions changed (the queue has set them): redraw the waiting jobs."""
        for status in self._status.values():
            if status.job.state is JobState.QUEUED:
                status.touch()

    # -- buttons ------------------------------------------------------------------------------

    async def cancel_from_button(self, job_id: str, interaction: discord.Interaction) -> None:
        replier = InteractionReplier(interaction)
        job = self.jobs.get(job_id)
        if job is None:
            await replier.refuse("That job has already finished.")
            return
        member = interaction.user
        if member.id != job.owner_id and not interaction.permissions.manage_messages:
            await replier.refuse(
                "Only the member who asked for this job, or someone with Manage Messages, "
                "can cancel it."
            )
            return
        await interaction.response.defer()
        await self.cancel(job, by=member.display_name)

    async def cancel(self, job: Job, *, by: str) -> None:
        job.cancelled_by = by
        log.info("job %s cancelled by %s", job.id, by)
        if job.state is JobState.QUEUED and self.queue.remove(job):
            job.state = JobState.CANCELLED
            await self._retire(job)
        elif job.state is JobState.RUNNING:
            job.cancel.cancel()  # the worker notices within one iteration

    async def rerun_from_button(
        self, job_id: str, change: str, interaction: discord.Interaction
    ) -> None:
        replier = InteractionReplier(interaction)
        old = await self.journal_safely(self.store.journal.load(job_id))
        if old is None:
            await replier.refuse(
                "I no longer have the pictures of that job; please run `/stylize` again."
            )
            return
        try:
            config = await self.config_for(interaction.guild)
            params = self._rerun_params(old.params, change, config)
            job = Job(
                owner_id=interaction.user.id,
                owner_name=interaction.user.display_name,
                guild_id=old.guild_id,
                channel_id=old.channel_id,
                content=old.content,
                styles=old.styles,
                params=params,
                upload_limit=_upload_limit(interaction.guild),
                sources={**old.sources, _RERUN_KNOB[change]: "member"},
                preset=old.preset,
            )
            await self._enqueue(job, replier, per_user=config.user_limit)
        except (RequestError, QueueRefused) as exc:
            await replier.refuse(str(exc))

    def _rerun_params(self, params: StyleParams, change: str, config: GuildConfig) -> StyleParams:
        if change == "style":
            weight = min(params.style_weight * 2, _KNOB_MAX["style_weight"] or 0)
            return params.replace(style_weight=weight)
        if change == "content":
            weight = min(params.content_weight * 2, _KNOB_MAX["content_weight"] or 0)
            return params.replace(content_weight=weight)
        size = min(config.max_size, round(params.size * 1.5 / 8) * 8)
        if size <= params.size:
            raise RequestError(f"That is already the largest size here ({config.max_size} px).")
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
            # Not reached when the pool stops: a job cut off by shutdown stays unfinished in
            # the journal and runs again at the next start.
            if not job.state.finished:
                job.state = JobState.FAILED
                job.error = job.error or "Something went wrong; please try again."
            await self._retire(job)

    async def _run(self, job: Job, device: str) -> None:
        job.state = JobState.RUNNING
        job.device = device
        job.attempts += 1
        await self.journal_safely(self.store.journal.started(job))
        self._touch(job)
        if job.result is None:  # else painted before a restart, not yet delivered
            await self._render(job, device)
        else:
            job.state = JobState.DONE
        self._touch(job)
        lag = self.loop_lag()
        log.info("job %s %s; event-loop lag p99 %.1f ms", job.id, job.state, lag.p99_ms)
        if job.state is JobState.DONE and job.result is not None:
            await self.journal_safely(self.store.journal.rendered(job.id, job.result))
        if not await self._announce(job):
            job.undelivered = True

    async def _render(self, job: Job, device: str) -> None:
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
            smaller = _smaller(job.params.size)
            if job.shrunk_from is not None or smaller is None:
                self._fail(
                    job,
                    f"The painter ran out of memory at size {job.params.size}"
                    + (f" (asked: {job.shrunk_from})" if job.shrunk_from else "")
                    + "; try a smaller `--size`.",
                )
                return
            log.warning("job %s: out of memory at %d px; once more at %d px",
                        job.id, job.params.size, smaller)  # fmt: skip
            job.shrunk_from = job.params.size
            job.params = job.params.replace(size=smaller)
            job.progress, job.preview = None, None
            await self._render(job, device)
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

    async def _announce(self, job: Job) -> bool:
        """Post the result (or the failure) as a new message that pings the member; False if
        Discord took neither that nor a plain message in the channel."""
        replier = self._repliers.get(job.id)
        if replier is None or job.state is JobState.CANCELLED:
            return True
        try:
            await replier.send(**_announcement(job))
        except discord.HTTPException as exc:
            log.warning("job %s: reply failed (%s); posting in the channel", job.id, exc)
            try:
                await self.pacer.slot(job.channel_id)
                await self.channel_for(job.channel_id).send(**_announcement(job))
            except discord.HTTPException:
                log.exception("job %s: could not deliver; it stays in the journal", job.id)
                return False
        return True

    async def _retire(self, job: Job) -> None:
        """The job is over: out of the service, its status drawn final, the journal told."""
        self.jobs.pop(job.id, None)
        self._repliers.pop(job.id, None)
        status = self._status.get(job.id)
        if status is not None:
            status.touch()  # draws the final state, then its task ends and lets go of it
        if not job.undelivered:  # else the next start delivers it
            await self.journal_safely(self.store.journal.finished(job))

    async def journal_safely(self, call: Awaitable[T]) -> T | None:
        """Tell the journal; a failing disk is logged, and the member's job goes on."""
        try:
            return await call
        except Exception:
            log.exception("the job journal failed")
            return None


@dataclass(frozen=True)
class _Plan:
    config: GuildConfig
    params: StyleParams
    sources: dict[str, str]
    attachments: list[discord.Attachment]
    preset: tuple[str, InputImage] | None  # the preset's stored name and image


def _smaller(size: int) -> int | None:
    """The size an out-of-memory job is tried once more at: about half the pixels."""
    smaller = max(16, round(size * 0.7 / 8) * 8)
    return smaller if smaller < size else None


_RERUN_KNOB = {"style": "style_weight", "content": "content_weight", "size": "size"}


def _upload_limit(guild: discord.Guild | None) -> int:
    limit = discord.utils.DEFAULT_FILE_SIZE_LIMIT_BYTES
    if guild is not None:
        limit = guild.filesize_limit
    return max(64 * 1024, limit - _UPLOAD_MARGIN)


def _announcement(job: Job) -> dict[str, Any]:
    """The message that ends a job (built afresh per send: a discord.File is read once).

    Its nonce makes Discord drop a second post of it (a retry, or a restart between posting
    and journaling it) and return the first."""
    mentions = discord.AllowedMentions(users=[discord.Object(job.owner_id)])
    nonce = f"sb{job.id}"
    if job.state is not JobState.DONE or job.result is None:
        text = f"<@{job.owner_id}> your job `{job.id}` failed: {job.error}"
        return {"content": text, "allowed_mentions": mentions, "nonce": nonce}
    image = job.result.image
    return {
        "content": result_text(job),
        "file": discord.File(
            io.BytesIO(image.data), filename=f"stylized-{job.id}.{image.extension}"
        ),
        "view": result_view(job.id),
        "allowed_mentions": mentions,
        "nonce": nonce,
    }


def _missing_images(count: int, preset: str | None) -> str:
    if preset is not None:
        return f"With `--preset {code(preset)}`, attach one image: your photo."
    have = "no image" if count == 0 else "only one image"
    return (
        f"I found {have}. Attach two: the first is your photo (content), the second the "
        "style to paint it in. You can also reply to a message holding the photo and "
        "attach just the style, or use a server preset with `--preset NAME`. "
        "`!stylize help` shows an example."
    )
