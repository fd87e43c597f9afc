"""The crowded channels' boards, remembered in the store (bot.store.shared, a key per channel)
so that a restart can settle them: a bot stopped or killed with a board up would leave it
listing requests as waiting that now have messages of their own, and its Cancel button. At
start-up each board of this process's shards is edited down to the requests it lists as not
taken, or deleted when it lists none."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable

import discord

from bot.store.shared import SharedState
from bot.ui.board import NotTaken, final_embeds
from bot.ui.pacing import ChannelPacer

log = logging.getLogger(__name__)

PREFIX = "board:"


class BoardMemory:
    """What the boards record (bot.ui.board.BoardRecords), written in the background in the
    order it happened: each write takes a channel's latest state when its turn comes."""

    def __init__(
        self, shared: SharedState, background: Callable[[asyncio.Task[None]], None]
    ) -> None:
        self.shared = shared
        self.background = background
        self._latest: dict[int, str | None] = {}  # channel -> what to write (None: forget it)
        self._turns: dict[int, asyncio.Lock] = {}

    def shown(
        self, channel_id: int, guild_id: int | None, message_id: int, not_taken: list[NotTaken]
    ) -> None:
        refused = [[n.owner_id, n.link, n.reason] for n in not_taken]
        value = {"guild": guild_id, "message": message_id, "not_taken": refused}
        self._write(channel_id, json.dumps(value))

    def ended(self, channel_id: int) -> None:
        self._write(channel_id, None)

    def _write(self, channel_id: int, value: str | None) -> None:
        self._latest[channel_id] = value
        task = asyncio.create_task(self._flush(channel_id), name=f"board-memory-{channel_id}")
        self.background(task)

    async def _flush(self, channel_id: int) -> None:
        async with self._turns.setdefault(channel_id, asyncio.Lock()):
            if channel_id not in self._latest:
                return  # an earlier turn wrote the latest
            value = self._latest.pop(channel_id)
            try:
                if value is None:
                    await self.shared.delete(f"{PREFIX}{channel_id}")
                else:
                    await self.shared.set(f"{PREFIX}{channel_id}", value)
            except Exception as exc:  # the store's outage: a restart may find a stale board
                log.warning("channel %d: the board could not be remembered: %s", channel_id, exc)
            if channel_id not in self._latest:  # nothing more to write for now
                self._turns.pop(channel_id, None)

    async def settle(
        self,
        pacer: ChannelPacer,
        channel_for: Callable[[int], discord.abc.Messageable],
        ours: Callable[[int | None], bool],
    ) -> None:
        """At start-up: settle the boards a previous run of this process's shards left up."""
        for key, value in (await self.shared.starting_with(PREFIX)).items():
            board = json.loads(value)
            if not ours(board["guild"]):
                continue
            channel_id = int(key.removeprefix(PREFIX))
            not_taken = [NotTaken(int(o), str(link), str(r)) for o, link, r in board["not_taken"]]
            channel = channel_for(channel_id)
            if hasattr(channel, "get_partial_message"):
                message = channel.get_partial_message(int(board["message"]))
                try:
                    await pacer.slot(channel_id, edit=True)
                    if not_taken:
                        await message.edit(embeds=final_embeds(not_taken), view=None)
                    else:
                        await message.delete()
                except discord.NotFound:
                    pass  # deleted meanwhile
                except discord.HTTPException as exc:
                    log.warning("channel %d: the old board stays as it was: %s", channel_id, exc)
            await self.shared.delete(key)
