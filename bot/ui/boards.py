"""The open boards of the crowded channels (bot.ui.board), one per channel, and which jobs wait
on which."""

from __future__ import annotations

from collections.abc import Callable

import discord

from bot.job import Job
from bot.ui.board import BoardRecords, ChannelBoard
from bot.ui.pacing import ChannelPacer


class Boards:
    """The boards of the crowded channels, and which jobs wait on them."""

    def __init__(
        self,
        pacer: ChannelPacer,
        queue_length: Callable[[], int],
        *,
        note: Callable[[], str | None] = lambda: None,
        records: BoardRecords | None = None,
    ) -> None:
        self.pacer = pacer
        self.records = records
        self.queue_length = queue_length
        self.note = note
        self._boards: dict[int, ChannelBoard] = {}  # channel id -> its open board
        self._of_job: dict[str, ChannelBoard] = {}

    def crowded(self, channel_id: int) -> bool:
        """Whether a request's first answer in ``channel_id`` should go on its board."""
        return self.pacer.crowded(channel_id)

    def _board(self, channel: discord.abc.Messageable, guild_id: int | None) -> ChannelBoard:
        channel_id = getattr(channel, "id", 0)
        board = self._boards.get(channel_id)
        if board is None:
            board = ChannelBoard(
                channel,
                self.pacer,
                channel_id=channel_id,
                guild_id=guild_id,
                queue_length=self.queue_length,
                note=self.note,
                on_closed=self._closed,
                records=self.records,
            )
            self._boards[channel_id] = board
            board.start()
        return board

    def _closed(self, board: ChannelBoard) -> None:
        if self._boards.get(board.channel_id) is board:
            del self._boards[board.channel_id]
        for job_id in [j for j, b in self._of_job.items() if b is board]:
            del self._of_job[job_id]

    def wait_here(self, job: Job, channel: discord.abc.Messageable) -> None:
        board = self._board(channel, job.guild_id)
        board.wait_here(job)
        self._of_job[job.id] = board

    def refuse_here(
        self, channel: discord.abc.Messageable, owner_id: int, message_id: int, reason: str
    ) -> None:
        guild = getattr(channel, "guild", None)
        self._board(channel, guild.id if guild is not None else None).refuse_here(
            owner_id, message_id, reason
        )

    def waiting(self, job: Job) -> bool:
        return job.id in self._of_job

    def leave(self, job: Job) -> None:
        board = self._of_job.pop(job.id, None)
        if board is not None:
            board.leave(job)

    def progressed(self, job: Job) -> None:
        board = self._of_job.get(job.id)
        if board is not None:
            board.touch(progress_only=True)

    def redraw(self) -> None:
        """Queue places changed."""
        for board in self._boards.values():
            board.touch()

    def stop(self) -> None:
        for board in list(self._boards.values()):
            board.stop()
