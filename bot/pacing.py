"""Keep the bot's own messages within Discord's per-channel limit (5 per 5 seconds).

Every status post, status edit and result in a channel takes a slot here first, so many jobs
in one busy channel slow their edits down instead of drawing 429s. discord.py still handles a
429 if one comes (another process on the same token, a shared bucket); this keeps us from
causing them.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque

# Discord's limit is 5 per 5 s; the margin covers the time a request spends in flight.
MESSAGES_PER_WINDOW = 5
WINDOW_SECONDS = 5.25


class ChannelPacer:
    def __init__(self) -> None:
        self._sent: dict[int, deque[float]] = defaultdict(deque)
        self._locks: dict[int, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def slot(self, channel_id: int) -> None:
        """Wait until one more message may be sent or edited in ``channel_id``."""
        async with self._locks[channel_id]:
            sent = self._sent[channel_id]
            while len(sent) >= MESSAGES_PER_WINDOW:
                wait = sent[0] + WINDOW_SECONDS - time.monotonic()
                if wait <= 0:
                    sent.popleft()
                else:
                    await asyncio.sleep(wait)
            sent.append(time.monotonic())
