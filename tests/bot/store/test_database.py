"""The database file: created and migrated by the bot, WAL, refuses a newer schema."""

from __future__ import annotations

import sqlite3

import pytest

from bot.store import Store, StoreError
from bot.store.schema import MIGRATIONS


async def test_a_new_file_gets_the_whole_schema_in_wal_mode(tmp_path):
    path = tmp_path / "deep" / "dir" / "stylebot.db"
    store = await Store.open(path)
    await store.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    assert {"blobs", "guild_settings", "presets", "jobs", "job_inputs"} <= tables


async def test_reopening_keeps_the_data_and_migrates_nothing(tmp_path):
    path = tmp_path / "stylebot.db"
    store = await Store.open(path)
    await store.guilds.set(1, "size", "256", by=7)
    await store.close()
    store = await Store.open(path)
    assert await store.guilds.get(1) == {"size": "256"}
    await store.close()


async def test_a_database_from_a_newer_bot_is_refused(tmp_path):
    path = tmp_path / "stylebot.db"
    with sqlite3.connect(path) as db:
        db.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(StoreError, match="newer than this bot"):
        await Store.open(path)


async def test_an_unusable_path_is_a_store_error(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(StoreError, match="cannot open"):
        await Store.open(tmp_path / "file" / "stylebot.db")


async def test_a_failed_transaction_leaves_nothing_behind(tmp_path):
    store = await Store.open(tmp_path / "stylebot.db")
    with pytest.raises(RuntimeError):
        async with store.database.transaction() as db:
            await db.execute(
                "INSERT INTO guild_settings VALUES (1, 'size', '64', 1, 0)",
            )
            raise RuntimeError("boom")
    assert await store.guilds.get(1) == {}
    await store.close()
