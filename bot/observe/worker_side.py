"""What a worker process reports when scraped, and what its ``/readyz`` checks (Redis answers;
the weights are loaded before the server starts)."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

from prometheus_client.core import Metric
from prometheus_client.registry import Collector

from bot.broker.queue import StyleQueue
from bot.observe.metrics import gauge
from bot.observe.server import Check
from bot.worker.painter import Painter


class WorkerReadings(Collector):
    def __init__(self, painter: Painter, slots: int) -> None:
        self.painter = painter
        self.slots = slots

    def collect(self) -> Iterator[Metric]:
        yield gauge("stylebot_worker_slots", "Jobs this worker paints at once", self.slots)
        yield gauge("stylebot_worker_painting", "Jobs this worker paints now",
                    self.painter.painting)  # fmt: skip


def redis_answers(queue: StyleQueue) -> Check:
    async def check() -> bool:
        answer = queue.redis.ping()  # redis-py types it for both its sync and async clients
        return bool(await answer) if inspect.isawaitable(answer) else bool(answer)

    return check
