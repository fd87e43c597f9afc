"""The bot's store: guild settings, style presets, members' preferences and the job journal, in
one SQLite file, or in PostgreSQL for several bot processes."""

from __future__ import annotations

from pathlib import Path

from bot.store.command_uses import CommandUses
from bot.store.database import Database, StoreError, open_database
from bot.store.departures import Departures
from bot.store.guilds import GuildSettingsStore
from bot.store.history import Forgotten, History, HistoryEntry
from bot.store.job_rows import Unreadable
from bot.store.journal import JobJournal, Swept
from bot.store.members import MemberStore, RememberedStyle
from bot.store.presets import Preset, PresetInfo, PresetStore
from bot.store.shared import SharedState


class Store:
    def __init__(self, database: Database) -> None:
        self.database = database
        self.guilds = GuildSettingsStore(database)
        self.presets = PresetStore(database)
        self.members = MemberStore(database)
        self.journal = JobJournal(database)
        self.departures = Departures(database)
        self.history = History(database)
        self.shared = SharedState(database)
        self.command_uses = CommandUses(database)

    @classmethod
    async def open(cls, target: str | Path) -> Store:
        """Open (creating and migrating as needed) the database at ``target``: a SQLite file's
        path, or a ``postgresql://`` URL."""
        return cls(await open_database(target))

    async def purge_departed(self, *, left_before: float) -> list[int]:
        """Purge the servers the bot left before ``left_before`` (see :class:`Departures`)."""
        gone = await self.departures.purge(left_before=left_before)
        for guild_id in gone:
            self.guilds.forget(guild_id)  # what it had cached of them
        return gone

    async def forget_member(self, user_id: int) -> Forgotten:
        """Erase all the store keeps of a member (see :meth:`History.forget_member`)."""
        forgotten = await self.history.forget_member(user_id)
        self.members.drop_cached(user_id)
        return forgotten

    async def close(self) -> None:
        await self.database.close()


__all__ = [
    "Departures",
    "Forgotten",
    "GuildSettingsStore",
    "History",
    "HistoryEntry",
    "JobJournal",
    "MemberStore",
    "Preset",
    "PresetInfo",
    "PresetStore",
    "RememberedStyle",
    "Store",
    "StoreError",
    "Swept",
    "Unreadable",
]
