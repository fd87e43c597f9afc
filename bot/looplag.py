"""Measure how late the event loop wakes up: the number that says whether a heartbeat or an
interaction could be answered on time while jobs run."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections import deque
from dataclasses import dataclass


@dataclass(frozen=True)
class LagSnapshot:
    samples: int
    median_ms: float
    p99_ms: float
    max_ms: float


class LoopLagMonitor:
    def __init__(self, period: float = 0.05, window: int = 2400) -> None:
        self.period = period
        self._lags: deque[float] = deque(maxlen=window)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._sample(), name="loop-lag")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def reset(self) -> None:
        self._lags.clear()

    def snapshot(self) -> LagSnapshot:
        lags = sorted(self._lags) or [0.0]
        p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))]
        return LagSnapshot(
            samples=len(self._lags),
            median_ms=statistics.median(lags) * 1000,
            p99_ms=p99 * 1000,
            max_ms=lags[-1] * 1000,
        )

    async def _sample(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.period)
            self._lags.append(max(0.0, time.perf_counter() - before - self.period))
