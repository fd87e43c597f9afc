"""One status message per job, edited in place: throttled, newest state only.

Progress arrives far more often than Discord should be asked to edit a message. Each change
only marks the message dirty; a single task per job redraws the job's *current* state at most
once per interval, so stale states are never sent and edits never pile up. A message that was
deleted (or whose interaction token expired) stops the edits; the result is then posted anew.
"""

from __future__ import annotations

import asyncio
import io
import logging
import time
from collections.abc import Callable
from typing import Any

import discord

from bot.job import Job
from bot.ui.embeds import PREVIEW_NAME
from bot.ui.pacing import ChannelPacer
from bot.ui.replies import Replier

log = logging.getLogger(__name__)

Draw = Callable[[Job], dict[str, Any]]


class StatusMessage:
    def __init__(self, job: Job, *, draw: Draw, interval: float, pacer: ChannelPacer) -> None:
        self.job = job
        self.draw = draw
        self.interval = interval
        self.pacer = pacer
        self.message: discord.Message | discord.PartialMessage | None = None
        self._dirty = asyncio.Event()
        self._last_edit = 0.0
        self._sent_preview: bytes | None = None
        self._task: asyncio.Task[None] | None = None
        self._on_close: list[Callable[[], object]] = []

    async def post(self, replier: Replier) -> None:
        """Send the status message and keep it current."""
        self.message = await replier.send(**self.draw(self.job))
        self._last_edit = time.monotonic()
        self._start()

    def adopt(self, message: discord.Message | discord.PartialMessage) -> None:
        """Keep an existing status message current (one posted before a restart)."""
        self.message = message
        self._sent_preview = b""  # whatever preview it shows is stale
        self._dirty.set()
        self._start()

    def _start(self) -> None:
        self._task = asyncio.create_task(self._edit_loop(), name=f"status-{self.job.id}")
        for callback in self._on_close:
            self._task.add_done_callback(_ignoring_the_task(callback))

    def touch(self) -> None:
        """The job changed: redraw when the interval allows."""
        self._dirty.set()

    def when_closed(self, callback: Callable[[], object]) -> None:
        """Call ``callback`` once the final state is drawn (or the message is gone)."""
        if self._task is None:
            self._on_close.append(callback)
        else:
            self._task.add_done_callback(_ignoring_the_task(callback))

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _edit_loop(self) -> None:
        while self.message is not None:
            await self._dirty.wait()
            delay = self._last_edit + self.interval - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await self.pacer.slot(self.job.channel_id, edit=True)
            self._dirty.clear()
            final = self.job.state.finished
            await self._edit()
            if final:
                return

    async def _edit(self) -> None:
        assert self.message is not None
        kwargs = self.draw(self.job)
        preview = self.job.preview if not self.job.state.finished else None
        if preview is not None and preview is not self._sent_preview:
            kwargs["attachments"] = [discord.File(io.BytesIO(preview), filename=PREVIEW_NAME)]
        elif preview is None and self._sent_preview is not None:
            kwargs["attachments"] = []
        try:
            await self.message.edit(**kwargs)
        except discord.NotFound:
            log.info("job %s: status message was deleted; no more progress edits", self.job.id)
            self.message = None
            return
        except discord.Forbidden:  # a channel only the interaction could reach, token gone
            log.info("job %s: its status can no longer be edited; no more edits", self.job.id)
            self.message = None
            return
        except discord.HTTPException as exc:
            if exc.status == 401 and isinstance(self.message, discord.Message):
                self._switch_to_channel(self.message)  # interaction token expired
            else:
                log.warning("job %s: status edit failed (%s); will retry", self.job.id, exc)
                self._dirty.set()
            self._last_edit = time.monotonic()
            return
        self._sent_preview = preview
        self._last_edit = time.monotonic()

    def _switch_to_channel(self, message: discord.Message) -> None:
        channel = message.channel
        if isinstance(channel, discord.abc.Messageable) and hasattr(channel, "get_partial_message"):
            self.message = channel.get_partial_message(message.id)
            self._dirty.set()
        else:
            self.message = None


def _ignoring_the_task(callback: Callable[[], object]) -> Callable[[asyncio.Task[None]], None]:
    def done(_task: asyncio.Task[None]) -> None:
        callback()

    return done
