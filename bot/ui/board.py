"""A crowded channel's board: one message, edited in place, answering a burst of requests.

When requests arrive in one channel faster than Discord lets the bot post there (5 messages
per 5 s), a message for each would keep the last member of a burst of 40 waiting most of a
minute for any answer. The overflow goes onto the channel's board instead: posted once, then
edited (one edit answers every request that arrived since the last), it lists each waiting
request with its place in the queue (or its progress, once painting) and each request that was
not taken with the reason, grouped by reason. A request leaves the board when it has a message
of its own: its status message, posted as its painting starts once the channel has room again
(bot.jobs.service), or else its picture. The board ends when nobody is left on it: deleted, or,
if it lists requests that were not taken, edited once more to keep just those.

News (a request added, refused, gone) is shown within a second; progress alone at most once
per window, so that the board leaves most of the channel's budget to the pictures.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

import discord

from bot.job import Job, JobState
from bot.ui.pacing import ChannelPacer
from bot.ui.views import board_view

log = logging.getLogger(__name__)

EDIT_INTERVAL = 1.0  # seconds between two edits of one board (each covers all changes since)
PROGRESS_INTERVAL = 5.0  # seconds between two edits that only show progress
# Characters: an embed's description may hold 4096, a message's embeds together 6000; the
# waiting keep some room for the refusals. A 40-request burst fits whole; past that, the board
# says how many lines did not fit.
_EMBED = 4000
_WAITING = 3800
_MESSAGE = 5900
_COLOUR = discord.Colour.blurple()
_ORDINAL = {1: "st", 2: "nd", 3: "rd"}


@dataclass(frozen=True)
class NotTaken:
    owner_id: int
    link: str  # to the member's request
    reason: str


class BoardRecords(Protocol):
    """Where a board's message is kept track of, so that a restart can settle it (its waiting
    requests get messages of their own then; its refusals stay)."""

    def shown(
        self, channel_id: int, guild_id: int | None, message_id: int, not_taken: list[NotTaken]
    ) -> None: ...

    def ended(self, channel_id: int) -> None: ...


def message_link(guild_id: int | None, channel_id: int, message_id: int) -> str:
    return f"https://discord.com/channels/{guild_id or '@me'}/{channel_id}/{message_id}"


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else _ORDINAL.get(n % 10, "th")
    return f"{n}{suffix}"


class ChannelBoard:
    def __init__(
        self,
        channel: discord.abc.Messageable,
        pacer: ChannelPacer,
        *,
        channel_id: int,
        guild_id: int | None,
        queue_length: Callable[[], int],
        note: Callable[[], str | None],
        on_closed: Callable[[ChannelBoard], object],
        records: BoardRecords | None = None,
    ) -> None:
        """``on_closed``: the board takes no more requests (ended, or stopped with the bot);
        ``records``: told what a restart needs to settle the message (bot.jobs.board_memory)."""
        self.channel = channel
        self.pacer = pacer
        self.channel_id = channel_id
        self.guild_id = guild_id
        self.queue_length = queue_length
        self.note = note
        self.on_closed = on_closed
        self.records = records
        self._recorded: tuple[int, int] | None = None  # (message id, refusals) last recorded
        self.waiting: dict[str, Job] = {}  # job id -> job, in the order they came
        self.not_taken: list[NotTaken] = []
        self.message: discord.Message | None = None
        self._dirty = asyncio.Event()  # anything to show
        self._news = asyncio.Event()  # something besides progress
        self._shown_at = 0.0
        self._task: asyncio.Task[None] | None = None

    @property
    def open(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self.touch()
        self._task = asyncio.create_task(self._loop(), name=f"board-{self.channel_id}")

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def wait_here(self, job: Job) -> None:
        self.waiting[job.id] = job
        self.touch()

    def leave(self, job: Job) -> None:
        """``job`` has its own message now, or is over: off the board."""
        if self.waiting.pop(job.id, None) is not None:
            self.touch()

    def refuse_here(self, owner_id: int, message_id: int, reason: str) -> None:
        link = message_link(self.guild_id, self.channel_id, message_id)
        self.not_taken.append(NotTaken(owner_id, link, reason))
        self.touch()

    def touch(self, *, progress_only: bool = False) -> None:
        self._dirty.set()
        if not progress_only:
            self._news.set()

    def link_to(self, job: Job) -> str:
        return message_link(self.guild_id, self.channel_id, job.command_message_id or 0)

    # -- drawing -------------------------------------------------------------------------------

    def draw(self, *, final: bool = False) -> list[discord.Embed]:
        """The board: who waits (one line per member, a link to each request), then who was
        not taken (grouped by reason); within Discord's 6000 characters a message."""
        if final:
            return final_embeds(self.not_taken)
        title = f"Busy here: {self.queue_length()} in the queue"
        waiting: list[str] = []
        note = self.note()
        if note:
            waiting.append(note)
        if self.waiting:
            waiting.append(
                f"**Waiting** ({len(self.waiting)}; each gets a message of its own when the "
                "channel has room):"
            )
            by_member: dict[int, list[str]] = {}
            for job in self.waiting.values():
                by_member.setdefault(job.owner_id, []).append(
                    f"[{self._place(job)}]({self.link_to(job)})"
                )
            waiting += [f"<@{member}> " + " ".join(links) for member, links in by_member.items()]
        return _embeds(title, waiting, self.not_taken)

    @staticmethod
    def _place(job: Job) -> str:
        if job.state is JobState.RUNNING:
            done = job.progress.iteration / job.progress.iterations if job.progress else 0.0
            return f"painting {done:.0%}"
        return ordinal(job.position) if job.position else "queued"

    # -- the message -----------------------------------------------------------------------------

    async def _loop(self) -> None:
        try:
            while True:
                await self._dirty.wait()
                if not self._news.is_set():  # progress only: not more often than this
                    wait = self._shown_at + PROGRESS_INTERVAL - time.monotonic()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._news.wait(), max(0.0, wait))
                if not self.waiting and not self.not_taken and self.message is None:
                    return  # all gone before it was shown
                if not self.waiting and self.message is not None and not self.not_taken:
                    self.on_closed(self)  # from here a new request opens a new board
                    await self._delete()
                    self._ended()
                    return
                await self.pacer.slot(self.channel_id, edit=self.message is not None, urgent=True)
                self._dirty.clear()
                self._news.clear()
                if not self.waiting:  # what came while the slot was awaited is in this draw
                    self.on_closed(self)
                    await self._show(final=True)
                    self._ended()
                    return
                await self._show()
                self._shown_at = time.monotonic()
                await asyncio.sleep(EDIT_INTERVAL)
        finally:
            self.on_closed(self)

    async def _show(self, *, final: bool = False) -> None:
        mentions = discord.AllowedMentions.none()
        view = None if final else board_view(self.channel_id)
        try:
            if self.message is None and final:
                self.message = await self.channel.send(
                    embeds=self.draw(final=True), allowed_mentions=mentions
                )
            elif self.message is None:
                view = board_view(self.channel_id)
                self.message = await self.channel.send(
                    embeds=self.draw(), view=view, allowed_mentions=mentions
                )
            else:
                await self.message.edit(
                    embeds=self.draw(final=final), view=view, allowed_mentions=mentions
                )
            if not final:
                self._record()
        except discord.NotFound:
            log.info("channel %d: the board was deleted; posting it anew", self.channel_id)
            self.message = None
            self._dirty.set()
        except discord.HTTPException as exc:
            log.warning(
                "channel %d: the board could not be shown (%s); retrying", self.channel_id, exc
            )
            self._dirty.set()

    def _record(self) -> None:
        """Tell the records of a new message or new refusals (not of each edit)."""
        assert self.message is not None
        now = (self.message.id, len(self.not_taken))
        if self.records is not None and now != self._recorded:
            self.records.shown(self.channel_id, self.guild_id, self.message.id, self.not_taken)
        self._recorded = now

    def _ended(self) -> None:
        if self.records is not None and self._recorded is not None:
            self.records.ended(self.channel_id)

    async def _delete(self) -> None:
        assert self.message is not None
        try:
            await self.message.delete()
        except discord.HTTPException as exc:
            log.info("channel %d: the board could not be deleted: %s", self.channel_id, exc)


def final_embeds(not_taken: list[NotTaken]) -> list[discord.Embed]:
    """A board that has ended: only the requests it lists as not taken (none: no embed)."""
    return _embeds("Requests here", [], not_taken)


def _embeds(title: str, waiting: list[str], not_taken: list[NotTaken]) -> list[discord.Embed]:
    refused: list[str] = []
    by_reason: dict[str, dict[int, list[str]]] = {}
    for entry in not_taken:
        by_reason.setdefault(entry.reason, {}).setdefault(entry.owner_id, []).append(
            f"[request]({entry.link})"
        )
    for reason, members in by_reason.items():
        refused.append(f"**Not taken:** {reason}")
        refused += [f"<@{member}> " + " ".join(links) for member, links in members.items()]
    embeds = []
    if waiting:
        embeds.append(discord.Embed(title=title, description=_bounded(waiting, _WAITING),
                                    colour=_COLOUR))  # fmt: skip
    if refused:
        room = _MESSAGE - sum(len(e.description or "") + len(title) for e in embeds)
        embeds.append(
            discord.Embed(
                title=title if not embeds else None,
                description=_bounded(refused, min(room - len(title), _EMBED)),
                colour=_COLOUR,
            )
        )
    return embeds


def _bounded(lines: list[str], limit: int) -> str:
    """``lines`` joined, cut to ``limit`` characters with a count of what did not fit."""
    text = ""
    for n, line in enumerate(lines):
        if len(text) + len(line) + 40 > limit:
            return text + f"\n… and {len(lines) - n} more lines"
        text += ("\n" if text else "") + line
    return text
