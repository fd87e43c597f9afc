"""Keep the bot's own messages within Discord's per-channel limit (5 per 5 seconds).

Every status post, status edit and result in a channel takes a slot here first, so many jobs
in one busy channel slow their edits down instead of drawing 429s. Edits may use only part of
the window: new messages (a command's acknowledgement, a finished picture) always find room
quickly. discord.py still handles a 429 if one comes; this keeps us from causing them.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict, deque

# Discord's limit is 5 per 5 s; the margin covers the time a request spends in flight.
MESSAGES_PER_WINDOW = 5
EDITS_PER_WINDOW = 3
WINDOW_SECONDS = 5.25
_SWEEP_EVERY = 1024  # slots taken between sweeps of the quiet channels


class ChannelPacer:
    def __init__(self) -> None:
        self._sent: dict[int, deque[float]] = defaultdict(deque)
        self._slots = 0

    def _forget_quiet_channels(self, now: float) -> None:
        """Channels with nothing in their window are forgotten (they start again empty)."""
        self._sent = defaultdict(
            deque,
            {c: sent for c, sent in self._sent.items() if sent and sent[-1] + WINDOW_SECONDS > now},
        )

    async def slot(self, channel_id: int, *, edit: bool = False) -> None:
        """Wait until one more message (or, with ``edit``, one more edit) may go to
        ``channel_id``. New messages may use the whole window, edits only part of it."""
        limit = EDITS_PER_WINDOW if edit else MESSAGES_PER_WINDOW
        self._slots += 1
        if self._slots % _SWEEP_EVERY == 0:
            self._forget_quiet_channels(time.monotonic())
        sent = self._sent[channel_id]
        while True:
            now = time.monotonic()
            while sent and sent[0] + WINDOW_SECONDS <= now:
                sent.popleft()
            if len(sent) < limit:
                sent.append(now)
                return
            await asyncio.sleep(sent[len(sent) - limit] + WINDOW_SECONDS - now)
