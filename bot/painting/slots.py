"""The devices free to take a job: one entry per job a device may paint at once, shared by the
bot's own painter and a worker process."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable


class DeviceSlots:
    def __init__(self, devices: Iterable[str], per_device: int = 1) -> None:
        self._free: asyncio.Queue[str] = asyncio.Queue()
        for device in devices:
            for _ in range(per_device):
                self._free.put_nowait(device)
        self.capacity = self._free.qsize()

    async def take(self) -> str:
        """Wait for a free slot; returns its device."""
        return await self._free.get()

    def give_back(self, device: str) -> None:
        self._free.put_nowait(device)
