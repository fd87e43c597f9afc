"""Keep the bot's own messages within Discord's per-channel limit (5 per 5 seconds).

Every status post, status edit and result in a channel takes a slot here first, so many jobs
in one busy channel slow their edits down instead of drawing 429s. Edits may use only part of
the window: new messages (a command's acknowledgement, a finished picture) always find room
quickly. An ``urgent`` slot (a crowded channel's board, :mod:`bot.ui.board`) goes before the
others waiting in its channel. discord.py still handles a 429 if one comes; this keeps us from
causing them.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict, deque

# Discord's limit is 5 per 5 s; the margin covers the time a request spends in flight.
MESSAGES_PER_WINDOW = 5
EDITS_PER_WINDOW = 3
WINDOW_SECONDS = 5.25
CROWD = 2  # new messages waiting for room in a channel from which it counts as crowded
_SWEEP_EVERY = 1024  # slots taken between sweeps of the quiet channels
_YIELD_SECONDS = 0.02  # how long a slot that found room waits for one ahead of it to take it


class ChannelPacer:
    def __init__(self) -> None:
        self._sent: dict[int, deque[float]] = defaultdict(deque)
        self._slots = 0
        self._waiting: Counter[int] = Counter()  # channel -> new messages waiting for room
        # channel -> the slots waiting there: (rank, arrival) -> the most sent it can go with
        self._tickets: dict[int, dict[tuple[int, int], int]] = {}

    def _forget_quiet_channels(self, now: float) -> None:
        """Channels with nothing in their window are forgotten (they start again empty)."""
        self._sent = defaultdict(
            deque,
            {c: sent for c, sent in self._sent.items() if sent and sent[-1] + WINDOW_SECONDS > now},
        )

    def crowded(self, channel_id: int) -> bool:
        """Whether new messages to ``channel_id`` queue up: a few already wait for room there
        (one more would wait most of a window, or longer)."""
        return self._waiting[channel_id] >= CROWD

    async def slot(self, channel_id: int, *, edit: bool = False, urgent: bool = False) -> None:
        """Wait until one more message (or, with ``edit``, one more edit) may go to
        ``channel_id``. New messages may use the whole window, edits only part of it. Waiting
        ones go in order: urgent first, then new messages, then edits, each kind first come
        first served; one that cannot use the room there is does not hold up the others."""
        limit = EDITS_PER_WINDOW if edit else MESSAGES_PER_WINDOW
        self._slots += 1
        if self._slots % _SWEEP_EVERY == 0:
            self._forget_quiet_channels(time.monotonic())
        sent = self._sent[channel_id]
        me = (0 if urgent else 2 if edit else 1, self._slots)
        ahead = self._tickets.setdefault(channel_id, {})
        ahead[me] = limit
        if not edit:
            self._waiting[channel_id] += 1
        try:
            while True:
                now = time.monotonic()
                while sent and sent[0] + WINDOW_SECONDS <= now:
                    sent.popleft()
                if len(sent) >= limit:
                    await asyncio.sleep(sent[len(sent) - limit] + WINDOW_SECONDS - now)
                elif any(t < me and len(sent) < room for t, room in ahead.items()):
                    await asyncio.sleep(_YIELD_SECONDS)  # one ahead takes this room first
                else:
                    sent.append(now)
                    return
        finally:
            del ahead[me]
            if not ahead:
                del self._tickets[channel_id]
            if not edit:
                _count_down(self._waiting, channel_id)


def _count_down(counter: Counter[int], key: int) -> None:
    counter[key] -= 1
    if counter[key] <= 0:
        del counter[key]
