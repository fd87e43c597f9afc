"""The store's schema, as an ordered list of migrations.

Migration ``n`` takes the database from ``PRAGMA user_version`` ``n`` to ``n + 1``; the bot
applies the missing ones at start-up, each in one transaction. Append, never edit: a database
in the field has already run the old ones.
"""

from __future__ import annotations

import sqlite3

MIGRATIONS: tuple[str, ...] = (
    # 1: guild settings, presets, the job journal and the images they refer to.
    """
    CREATE TABLE blobs (
        digest     TEXT PRIMARY KEY,          -- sha256 of data, so equal images are kept once
        data       BLOB NOT NULL,
        created_at REAL NOT NULL
    );

    CREATE TABLE guild_settings (
        guild_id   INTEGER NOT NULL,
        key        TEXT NOT NULL,             -- a flag name without dashes: style-weight
        value      TEXT NOT NULL,             -- validated text, read back with the same parser
        updated_by INTEGER NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (guild_id, key)
    );

    CREATE TABLE presets (
        guild_id   INTEGER NOT NULL,
        name       TEXT NOT NULL,
        digest     TEXT NOT NULL REFERENCES blobs (digest),
        filename   TEXT NOT NULL,
        width      INTEGER NOT NULL,
        height     INTEGER NOT NULL,
        added_by   INTEGER NOT NULL,
        added_at   REAL NOT NULL,
        PRIMARY KEY (guild_id, name)
    );

    CREATE TABLE jobs (
        id                 TEXT PRIMARY KEY,
        state              TEXT NOT NULL,     -- queued, running, done, failed, cancelled
        owner_id           INTEGER NOT NULL,
        owner_name         TEXT NOT NULL,
        guild_id           INTEGER,
        channel_id         INTEGER NOT NULL,
        command_message_id INTEGER,           -- the member's !stylize message, to reply to
        status_message_id  INTEGER,
        params             TEXT NOT NULL,     -- JSON: every knob as text
        sources            TEXT NOT NULL,     -- JSON: knob -> "member" or "server"
        preset             TEXT,
        upload_limit       INTEGER NOT NULL,
        attempts           INTEGER NOT NULL DEFAULT 0,
        error              TEXT,
        result_digest      TEXT REFERENCES blobs (digest),
        result_meta        TEXT,              -- JSON: format, size, elapsed, device, precision
        created_at         REAL NOT NULL,
        updated_at         REAL NOT NULL,
        finished_at        REAL
    );
    CREATE INDEX jobs_unfinished ON jobs (created_at) WHERE finished_at IS NULL;
    CREATE INDEX jobs_finished ON jobs (finished_at) WHERE finished_at IS NOT NULL;

    CREATE TABLE job_inputs (
        job_id   TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
        position INTEGER NOT NULL,            -- 0: the content, then the styles in order
        name     TEXT NOT NULL,
        digest   TEXT NOT NULL REFERENCES blobs (digest),
        width    INTEGER NOT NULL,
        height   INTEGER NOT NULL,
        PRIMARY KEY (job_id, position)
    );
    CREATE INDEX job_inputs_digest ON job_inputs (digest);
    """,
    # 2: the run a job was sent to on the broker (STYLEBOT_BROKER_URL), followed after a restart.
    """
    ALTER TABLE jobs ADD COLUMN dispatch_key TEXT;
    """,
    # 3: the built-in style a job used and whether it wants a timelapse; each member's own
    # defaults (/prefer) and remembered style image ("Use as style").
    """
    ALTER TABLE jobs ADD COLUMN gallery TEXT;
    ALTER TABLE jobs ADD COLUMN timelapse INTEGER NOT NULL DEFAULT 0;

    CREATE TABLE member_prefs (
        user_id    INTEGER NOT NULL,
        key        TEXT NOT NULL,             -- a flag name without dashes, or "favourites"
        value      TEXT NOT NULL,             -- validated text, read back with the same parser
        updated_at REAL NOT NULL,
        PRIMARY KEY (user_id, key)
    );

    CREATE TABLE member_styles (
        user_id    INTEGER PRIMARY KEY,
        digest     TEXT NOT NULL REFERENCES blobs (digest),
        filename   TEXT NOT NULL,
        width      INTEGER NOT NULL,
        height     INTEGER NOT NULL,
        expires_at REAL NOT NULL
    );
    """,
    # 4: each image's size, for the storage quotas of members and servers (counted without
    # reading the images); the servers the bot has left, whose data is purged some days later.
    """
    ALTER TABLE blobs ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
    UPDATE blobs SET size = length(data);
    CREATE INDEX jobs_owner ON jobs (owner_id);
    CREATE INDEX jobs_guild ON jobs (guild_id);

    CREATE TABLE departed_guilds (
        guild_id INTEGER PRIMARY KEY,
        left_at  REAL NOT NULL
    );
    """,
    # 5: a grid of styles to choose from (a photo sent alone): its styles, where they start in
    # the member's order and the member's flags, as JSON; NULL for a picture. A finished job's
    # picture is now kept for the member's history (swept with the job).
    """
    ALTER TABLE jobs ADD COLUMN grid TEXT;
    CREATE INDEX jobs_history ON jobs (owner_id, finished_at) WHERE result_digest IS NOT NULL;
    """,
    # 6: the daily quotas: one row per job taken in the last 24 hours (bot.store.daily).
    """
    CREATE TABLE daily_use (
        job_id   TEXT PRIMARY KEY,
        owner_id INTEGER NOT NULL,
        guild_id INTEGER,
        at       REAL NOT NULL
    );
    CREATE INDEX daily_use_owner ON daily_use (owner_id, at);
    CREATE INDEX daily_use_guild ON daily_use (guild_id, at);
    """,
    # 7: what one bot process decides for all (the operator's pause): bot.store.shared.
    """
    CREATE TABLE shared_state (
        key        TEXT PRIMARY KEY,
        value      TEXT NOT NULL,
        updated_at REAL NOT NULL
    );
    """,
    # 8: the members' commands in the last window, counted by every bot process sharing a
    # PostgreSQL store (bot.store.command_uses); rows leave after the window.
    """
    CREATE TABLE command_uses (
        owner_id INTEGER NOT NULL,
        at       REAL NOT NULL
    );
    CREATE INDEX command_uses_owner ON command_uses (owner_id, at);
    """,
)


def statements(script: str) -> list[str]:
    """Split a migration into statements (``executescript`` would commit our transaction)."""
    from bot.store.database import StoreError

    found, pending = [], ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            found.append(pending.strip())
            pending = ""
    if pending.strip():
        raise StoreError(f"incomplete statement in a migration: {pending.strip()[:80]!r}")
    return found
