"""A loopback Discord: REST API v10, the gateway websocket and a CDN, in one aiohttp server.

The real discord.py client connects to it (``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL``).
Tests act as members do (post a message with attachments, run a slash command, press a
button) and read back what the bot sent, edited and uploaded. It speaks the real JSON shapes,
zlib-stream compression, heartbeats, rate limits (429 with retry_after) and 404s for deleted
messages; only what discord.py and StyleBot use is implemented.

The parts: ``rest`` and ``messages`` (the REST API and CDN), ``gateway``, ``members`` (acting
as members), ``faults`` (errors on purpose), ``records`` (what it keeps).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict, deque
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.discord_double.faults import Fault, FaultsMixin
from tests.discord_double.gateway import MESSAGE_CONTENT_INTENT, GatewayMixin, _GatewaySession
from tests.discord_double.member_actions import MemberActionsMixin
from tests.discord_double.members import MembersMixin
from tests.discord_double.messages import IS_COMPONENTS_V2, MessagesMixin
from tests.discord_double.payloads import (
    ALL_PERMISSIONS,
    FakeUser,
    snowflake,
)
from tests.discord_double.records import (
    Call,
    Interaction,
    StoredMessage,
    custom_ids,
    media_urls,
    walk_components,
)
from tests.discord_double.rest import RestMixin

# Seconds a test waits for an event before it calls it a hang; no event needs "enough time".
HANG = 300.0

__all__ = [
    "HANG",
    "IS_COMPONENTS_V2",
    "MESSAGE_CONTENT_INTENT",
    "Call",
    "DiscordDouble",
    "Fault",
    "Interaction",
    "StoredMessage",
    "custom_ids",
    "media_urls",
    "walk_components",
]


class DiscordDouble(
    MembersMixin, MemberActionsMixin, GatewayMixin, RestMixin, MessagesMixin, FaultsMixin
):
    """The double: one aiohttp server on a loopback port for REST, gateway and CDN, and the
    state they share (users, channels, messages, interactions, what the bot called)."""

    def __init__(
        self,
        *,
        token: str = "test-token-not-secret",
        grant_message_content: bool = True,
        heartbeat_interval_ms: int = 41_250,
        channels: int = 2,
    ) -> None:
        self.token = token
        self.grant_message_content = grant_message_content
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.bot_user = FakeUser("stylebot", bot=True)
        self.app_id = self.bot_user.id
        self.owner = FakeUser("owner", permissions=ALL_PERMISSIONS)
        self.guild_id = snowflake()
        self.channel_ids = [snowflake() for _ in range(max(2, channels))]  # text channels
        self.channel_id, self.other_channel_id = self.channel_ids[:2]
        # Every server the bot is in -> its text channels (the first is the one above); the
        # shard that gets a server's events: (guild_id >> 22) % shards, as Discord's.
        self.guilds: dict[int, list[int]] = {self.guild_id: self.channel_ids}
        self.recommended_shards = 1  # what GET /gateway/bot recommends
        self.users: list[FakeUser] = [self.bot_user, self.owner]
        self.messages: dict[int, StoredMessage] = {}
        self.cdn: dict[str, tuple[bytes, str | None]] = {}
        self.calls: list[Call] = []
        self.commands: list[dict[str, Any]] = []
        self.interactions: dict[str, Interaction] = {}
        self.identifies: list[dict[str, Any]] = []
        self.rate_limited: list[Call] = []
        self.invalid: list[tuple[Call, str]] = []  # bodies refused with 400, and why
        self.refuse_components_v2 = False  # a test's way to make Discord refuse every card
        self.dm_channels: dict[int, int] = {}  # user id -> the bot's DM channel with them
        self.faults: list[Fault] = []
        self.resumes = 0
        self.cdn_requests: list[str] = []
        self._buckets: dict[int, deque[float]] = defaultdict(deque)
        self._sockets: list[_GatewaySession] = []
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        app = web.Application(client_max_size=64 * 2**20)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/cdn/{key:.+}", self._cdn)
        app.router.add_route("*", "/api/v10/{path:.+}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        for session in list(self._sockets):
            await session.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def add_guild(self, *, shard: int = 0, shards: int = 1, channels: int = 1) -> int:
        """Another server the bot is in, whose events go to ``shard`` of ``shards``; its id
        (its channels: ``guilds[id]``). Sessions already connected are not told."""
        guild_id = snowflake()
        while (guild_id >> 22) % shards != shard:
            guild_id += 1 << 22
        self.guilds[guild_id] = [snowflake() for _ in range(channels)]
        return guild_id

    def guild_of(self, channel_id: int) -> int | None:
        return next((g for g, channels in self.guilds.items() if channel_id in channels), None)

    def bot_environment(self) -> dict[str, str]:
        """The environment that points a bot at this double (token, REST base, gateway)."""
        return {
            "DISCORD_TOKEN": self.token,
            "DISCORD_API_BASE": self.api_base,
            "DISCORD_GATEWAY_URL": self.gateway_url,
            "DISCORD_CDN_URL": f"http://127.0.0.1:{self.port}/cdn",
        }

    def cdn_url(self, key: str) -> str:
        return f"http://127.0.0.1:{self.port}/cdn/{key}"

    # -- reading what the bot did -----------------------------------------------------------

    def bot_messages(self) -> list[StoredMessage]:
        return [
            m for m in self.messages.values() if m.data["author"]["id"] == str(self.bot_user.id)
        ]

    def replies_to(self, message_id: int) -> list[StoredMessage]:
        return [
            m
            for m in self.bot_messages()
            if m.data.get("message_reference", {}).get("message_id") == str(message_id)
        ]

    def attachment_bytes(self, attachment: dict[str, Any]) -> bytes:
        key = attachment["url"].split("/cdn/", 1)[1]
        return self.cdn[key][0]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = HANG) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every change, and every tenth of a
        second for state outside the double); return its value. The bound is for hangs only:
        a test waits for an event, however slow the machine, never for "enough time"."""
        deadline = time.monotonic() + timeout
        async with self._changed:
            while True:
                value = predicate()
                if value:
                    return value
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError("the double did not see the expected state in time")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._changed.wait(), timeout=min(left, 0.1))

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()
