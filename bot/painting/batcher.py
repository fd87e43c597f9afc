"""One device's batches: the jobs that wait for a device are painted together, as one call of
:func:`~bot.painting.render.paint_batch` (which batches those that share a shape), as soon as
the device is free; a job that arrives while a batch paints waits for the next one.

A batch starts :data:`GATHER` seconds after the first job of it arrives, so that jobs taken from
the queue together are painted together. At most ``size`` jobs go into one batch.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from concurrent.futures import Executor

from bot.job import RunResult
from bot.painting.render import Order, paint_batch

log = logging.getLogger(__name__)

GATHER = 0.1  # seconds a batch waits for company after its first job arrives


class Batcher:
    def __init__(self, device: str, size: int, executor: Executor | None = None) -> None:
        self.device = device
        self.size = size
        self._executor = executor
        self._waiting: list[tuple[Order, asyncio.Future[RunResult]]] = []
        self._runner: asyncio.Task[None] | None = None
        self.painting = 0  # jobs in the batch being painted

    @property
    def load(self) -> int:
        """Jobs waiting or being painted here."""
        return len(self._waiting) + self.painting

    async def paint(self, order: Order) -> RunResult:
        """Paint ``order`` in one of this device's batches; cancel it with its token (the batch
        drops it before its next iteration)."""
        return await self.submit(order)

    def submit(self, order: Order) -> asyncio.Future[RunResult]:
        """Put ``order`` in line for the next batch now; its result when painted."""
        future: asyncio.Future[RunResult] = asyncio.get_running_loop().create_future()
        self._waiting.append((order, future))
        if self._runner is None or self._runner.done():
            self._runner = asyncio.create_task(self._run())
        return future

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while self._waiting:
            if self.size > 1:
                await asyncio.sleep(GATHER)
            batch, self._waiting = self._waiting[: self.size], self._waiting[self.size :]
            batch = [(order, future) for order, future in batch if not future.done()]
            if not batch:
                continue
            orders = [order for order, _ in batch]
            log.info("%s: painting a batch of %d", self.device, len(orders))
            self.painting = len(orders)
            try:
                results = await loop.run_in_executor(
                    self._executor, functools.partial(paint_batch, orders, device=self.device)
                )
            except Exception as exc:  # paint_batch answers every failure: this is a bug
                log.exception("%s: a batch of %d failed", self.device, len(orders))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            finally:
                self.painting = 0
            for (_, future), result in zip(batch, results, strict=True):
                if not future.done():
                    future.set_result(result)
