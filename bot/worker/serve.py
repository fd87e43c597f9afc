"""A worker process: paints the jobs it takes from Redis on its devices, as many at once as it
has slots, and announces its slots, engine version and weights to the bot."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from saq import Worker
from saq.types import Context

from bot.broker.keys import FUNCTION
from bot.broker.queue import DEQUEUE_TIMEOUT, open_queue
from bot.painting.cores import share_cores
from bot.painting.slots import DeviceSlots
from bot.settings import WorkerSettings
from bot.worker.painter import Painter
from styleengine import __version__

log = logging.getLogger(__name__)

WORKER_INFO_EVERY = 2  # seconds between announcements (the bot counts slots from them)


class PainterContext(Context, total=False):
    painter: Painter


async def paint(ctx: PainterContext, **kwargs: Any) -> dict[str, str]:
    """The function SAQ runs for each job taken from the queue."""
    return await ctx["painter"].run(ctx["job"], kwargs)


async def serve(settings: WorkerSettings) -> None:
    from styleengine import available_devices
    from styleengine.weights import load_weights

    devices = settings.devices or available_devices()
    slots = DeviceSlots(devices, settings.workers_per_device)
    threads = share_cores(devices, slots.capacity, settings.cpu_threads)
    load_weights(settings.weights)  # fails here, not on the first job, if they are missing
    queue = open_queue(settings.broker_url.get_secret_value())
    worker: Worker[PainterContext] = Worker(
        queue,
        functions=[(FUNCTION, paint)],
        concurrency=slots.capacity,
        timers={
            "sweep": max(1, round(settings.heartbeat / 2)),
            "abort": 1,
            "schedule": 1,
            "worker_info": WORKER_INFO_EVERY,
        },
        dequeue_timeout=DEQUEUE_TIMEOUT,
        cancellation_hard_deadline_s=30,
        metadata={
            "slots": slots.capacity,
            "devices": list(devices),
            "engine": __version__,
            "weights": settings.weights,
            "host": socket.gethostname(),
            "pid": os.getpid(),
        },
    )
    worker.context["painter"] = Painter(
        queue.redis, weights=settings.weights, heartbeat=settings.heartbeat, slots=slots
    )
    log.info(
        "worker %s: %d slot(s) on %s, engine %s, weights %s%s",
        worker.id,
        slots.capacity,
        ", ".join(devices),
        __version__,
        settings.weights,
        f", {threads} torch thread(s) per job" if threads else "",
    )
    await queue.connect()
    try:
        await worker.start()
    finally:
        await queue.disconnect()
