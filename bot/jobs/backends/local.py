"""Painting in the bot's own process: one slot per device and worker, the engine in a thread
of its own pool (not the loop's default one, which aiohttp's DNS lookups and the image decodes
share)."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bot.job import Job, JobInputs, RunResult
from bot.jobs.backends.base import Report, Reporter, Slot
from bot.painting.cores import share_cores
from bot.painting.render import Work, paint
from bot.painting.slots import DeviceSlots
from styleengine import Progress

log = logging.getLogger(__name__)


class LocalBackend:
    def __init__(
        self,
        devices: tuple[str, ...],
        workers_per_device: int,
        *,
        cpu_threads: int,
        preview_size: int,
        max_pixels: int,
    ) -> None:
        from styleengine import available_devices

        self.devices = devices or available_devices()
        self.cpu_threads = cpu_threads
        self.preview_size = preview_size
        self.max_pixels = max_pixels
        self._slots = DeviceSlots(self.devices, workers_per_device)
        self._painters = ThreadPoolExecutor(self._slots.capacity, thread_name_prefix="painter")
        self._running: dict[str, Job] = {}

    @property
    def in_process(self) -> bool:
        return True

    @property
    def capacity(self) -> int:
        return self._slots.capacity

    @property
    def available(self) -> bool:
        return True

    @property
    def workers(self) -> int:
        return 1  # this process

    @property
    def failures(self) -> int:
        return 0

    def status_note(self) -> str | None:
        return None

    def on_change(self, listener: Callable[[], None]) -> None:
        pass  # nothing here changes

    async def start(self) -> None:
        share_cores(self.devices, self._slots.capacity, self.cpu_threads)
        log.info("painting here: %d slot(s) on %s", self._slots.capacity, ", ".join(self.devices))

    async def stop(self) -> None:
        for job in self._running.values():
            job.cancel.cancel()  # engine threads stop within one iteration
        self._painters.shutdown(wait=False)

    async def acquire(self) -> Slot:
        return Slot(await self._slots.take())

    def release(self, slot: Slot) -> None:
        assert slot.device is not None
        self._slots.give_back(slot.device)

    async def run(self, job: Job, slot: Slot, report: Reporter, inputs: JobInputs) -> RunResult:
        assert slot.device is not None
        device = slot.device
        loop = asyncio.get_running_loop()

        def on_progress(progress: Progress, preview: bytes | None) -> None:  # worker thread
            loop.call_soon_threadsafe(report, job, Report(progress, preview, device))

        work = Work(
            job_id=job.id,
            content=inputs.content,
            styles=inputs.styles,
            params=job.params,
            upload_limit=job.upload_limit,
            preview_size=self.preview_size,
            max_pixels=self.max_pixels,
            grid=job.grid is not None,
        )
        self._running[job.id] = job
        try:
            run = functools.partial(
                paint, work, device=device, on_progress=on_progress, cancel=job.cancel
            )
            return await loop.run_in_executor(self._painters, run)
        finally:
            self._running.pop(job.id, None)

    async def cancel(self, job: Job) -> None:
        job.cancel.cancel()  # the engine notices within one iteration
