"""The gateway websocket as the double serves it: HELLO, heartbeats, IDENTIFY -> READY and
GUILD_CREATE, RESUME, zlib-stream, close 4014 for a refused intent, and the events dispatched.

Shards as Discord has them: IDENTIFY's ``shard`` pair [id, count] gives a session the servers
with ``(guild_id >> 22) % count == id`` (READY and GUILD_CREATE list those only) and their
events; events outside a server (DMs) go to shard 0."""

from __future__ import annotations

import asyncio
import json
import zlib
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tests.discord_double.payloads import (
    guild_payload,
    snowflake,
)

if TYPE_CHECKING:
    from tests.discord_double.server import DiscordDouble

MESSAGE_CONTENT_INTENT = 1 << 15
SEND_PATIENCE = 10.0  # seconds a session may take to accept one event before it is dropped


class GatewayMixin:
    """The gateway websocket: sessions, READY and GUILD_CREATE, events dispatched to the bot."""

    def connected(self) -> bool:
        """A bot is connected and has been sent READY (events before that are not delivered)."""
        return any(session.ready and not session.ws.closed for session in self._sockets)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        guild_id = int(data["guild_id"]) if data.get("guild_id") else None
        for session in list(self._sockets):
            if session.ready and session.gets(guild_id) and not session.ws.closed:
                try:
                    # A session whose bot is gone (a process killed) cannot hold up the others
                    # or the REST call that caused the event: Discord drops such a session.
                    await asyncio.wait_for(session.send_event(event, data), SEND_PATIENCE)
                except (TimeoutError, ConnectionError, RuntimeError):
                    session.ready = False
                    await session.ws.close()

    def shard_of(self, guild_id: int, count: int) -> int:
        return (guild_id >> 22) % count

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        session = _GatewaySession(self, ws, request.query.get("compress"))
        self._sockets.append(session)
        try:
            await session.serve()
        finally:
            self._sockets.remove(session)
        return ws

    def _ready_payload(
        self, session_id: str, guilds: list[int], shard: tuple[int, int]
    ) -> dict[str, Any]:
        return {
            "v": 10,
            "shard": list(shard),
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(g), "unavailable": True} for g in guilds],
            "session_id": session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
        }

    def _guild_payload(self, guild_id: int) -> dict[str, Any]:
        name = "Test Server" if guild_id == self.guild_id else f"Server {guild_id % 1000}"
        return guild_payload(guild_id, name, self.guilds[guild_id], self.owner, self.users)

    def _as_seen_by_bot(self, data: dict[str, Any]) -> dict[str, Any]:
        """Without the message-content intent Discord blanks content, attachments and embeds,
        except in messages that mention the bot."""
        if self.grant_message_content:
            return data
        if any(m["id"] == str(self.bot_user.id) for m in data.get("mentions", [])):
            return data
        return {**data, "content": "", "attachments": [], "embeds": [], "components": []}


class _GatewaySession:
    """One gateway connection: HELLO, heartbeats, IDENTIFY -> READY + GUILD_CREATE, RESUME."""

    def __init__(self, double: DiscordDouble, ws: web.WebSocketResponse, compress: str | None):
        self.double = double
        self.ws = ws
        self.seq = 0
        self.ready = False
        self.session_id = f"session{snowflake()}"
        self.shard = (0, 1)  # [id, count] from IDENTIFY
        self._zlib = zlib.compressobj() if compress == "zlib-stream" else None
        self._lock = asyncio.Lock()

    async def send(self, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        async with self._lock:
            if self.ws.closed:
                return
            if self._zlib is not None:
                data = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)

    def gets(self, guild_id: int | None) -> bool:
        """Whether this session (its shard) gets the events of ``guild_id`` (None: a DM)."""
        shard, count = self.shard
        if guild_id is None:
            return shard == 0
        return self.double.shard_of(guild_id, count) == shard

    async def send_event(self, event: str, data: dict[str, Any]) -> None:
        self.seq += 1
        await self.send({"op": 0, "t": event, "s": self.seq, "d": data})

    async def serve(self) -> None:
        await self.send({"op": 10, "d": {"heartbeat_interval": self.double.heartbeat_interval_ms}})
        async for message in self.ws:
            if message.type.name != "TEXT":
                continue
            payload = json.loads(message.data)
            op = payload["op"]
            if op == 1:
                await self.send({"op": 11})
            elif op == 2:
                await self._identify(payload["d"])
            elif op == 6:
                if payload["d"].get("token") != self.double.token:
                    await self.ws.close(code=4004, message=b"Authentication failed.")
                    return
                self.double.resumes += 1
                self.ready = True
                await self.send_event("RESUMED", {})
                await self.double._notify()

    async def _identify(self, data: dict[str, Any]) -> None:
        double = self.double
        double.identifies.append({k: v for k, v in data.items() if k != "token"})
        if data.get("token") != double.token:
            await self.ws.close(code=4004, message=b"Authentication failed.")
            return
        if data.get("intents", 0) & MESSAGE_CONTENT_INTENT and not double.grant_message_content:
            await self.ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        shard = data.get("shard") or [0, 1]
        self.shard = (int(shard[0]), int(shard[1]))
        guilds = [g for g in double.guilds if self.gets(g)]
        await self.send_event("READY", double._ready_payload(self.session_id, guilds, self.shard))
        self.ready = True
        for guild_id in guilds:
            await self.send_event("GUILD_CREATE", double._guild_payload(guild_id))
        await double._notify()
