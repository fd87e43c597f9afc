"""A worker process: paints the jobs it takes from Redis on its devices, as many at once as it
has slots, and announces its slots, engine version and weights to the bot."""

from __future__ import annotations

import logging
import os
import socket
from typing import Any

from prometheus_client import CollectorRegistry
from saq import Worker
from saq.types import Context

from bot.broker.keys import FUNCTION
from bot.broker.queue import DEQUEUE_TIMEOUT, open_queue
from bot.observe.metrics import PaintMetrics
from bot.observe.server import ObserveServer
from bot.observe.worker_side import WorkerReadings, redis_answers
from bot.painting.batcher import Batcher
from bot.painting.capacity import free_bytes, plan, warm_up
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
    batchers, largest = _batchers(devices, settings.batch_size)
    concurrency = sum(b.size for b in batchers.values()) if batchers else slots.capacity
    queue = open_queue(settings.broker_url.get_secret_value())
    worker: Worker[PainterContext] = Worker(
        queue,
        functions=[(FUNCTION, paint)],
        concurrency=concurrency,
        timers={
            "sweep": max(1, round(settings.heartbeat / 2)),
            "abort": 1,
            "schedule": 1,
            "worker_info": WORKER_INFO_EVERY,
        },
        dequeue_timeout=DEQUEUE_TIMEOUT,
        cancellation_hard_deadline_s=30,
        metadata={
            "slots": concurrency,
            "devices": list(devices),
            "engine": __version__,
            "weights": settings.weights,
            "host": socket.gethostname(),
            "pid": os.getpid(),
        },
    )
    registry = CollectorRegistry()
    painter = Painter(
        queue.redis,
        weights=settings.weights,
        heartbeat=settings.heartbeat,
        slots=slots,
        batchers=batchers,
        largest=largest,
        metrics=PaintMetrics(registry),
    )
    worker.context["painter"] = painter
    log.info(
        "worker %s: %d slot(s) on %s, engine %s, weights %s%s",
        worker.id,
        concurrency,
        ", ".join(devices),
        __version__,
        settings.weights,
        f", {threads} torch thread(s) per job" if threads else "",
    )
    observe = None
    if settings.metrics_addr:
        registry.register(WorkerReadings(painter, concurrency))
        observe = ObserveServer(settings.metrics_addr, registry, {"broker": redis_answers(queue)})
        await observe.start()
    await queue.connect()
    try:
        await worker.start()
    finally:
        await queue.disconnect()
        if observe is not None:
            await observe.stop()


def _batchers(devices: tuple[str, ...], batch_size: int) -> tuple[dict[str, Batcher], int | None]:
    """A batcher per device where jobs are painted in batches (every GPU unless the batch size
    is set to 1; the CPU only when it is set above 1), each GPU warmed up first; and the largest
    size the GPUs' memory takes (None: no limit here)."""
    batchers: dict[str, Batcher] = {}
    largest: int | None = None
    for device in devices:
        if not device.startswith("cuda"):
            if batch_size > 1:
                batchers[device] = Batcher(device, batch_size)
            continue
        seconds = warm_up(device)
        capacity = plan(free_bytes(device), batch_size)
        log.info("%s: warmed up in %.1f s; %s", device, seconds, capacity.describe())
        largest = capacity.largest if largest is None else min(largest, capacity.largest)
        if capacity.batch > 1:
            batchers[device] = Batcher(device, capacity.batch)
    if batchers and len(batchers) < len(devices):
        # One way of painting per worker: the devices without batches get batches of one.
        for device in devices:
            batchers.setdefault(device, Batcher(device, 1))
    return batchers, largest
