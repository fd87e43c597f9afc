"""A loopback Discord: REST API v10, the gateway websocket and a CDN, in one aiohttp server.

The real discord.py client connects to it (``DISCORD_API_BASE`` / ``DISCORD_GATEWAY_URL``).
Tests act as members do (post a message with attachments, run a slash command, press a
button) and read back what the bot sent, edited and uploaded. It speaks the real JSON shapes,
zlib-stream compression, heartbeats, rate limits (429 with retry_after) and 404s for deleted
messages; only what discord.py and StyleBot use is implemented.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import time
import zlib
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.discord_double.interactions import (
    MODAL_SUBMIT,
    Place,
    context_menu_data,
    modal_submit_data,
    place_fields,
)
from tests.discord_double.payloads import (
    ALL_PERMISSIONS,
    MEMBER_PERMISSIONS,
    FakeUser,
    attachment_payload,
    guild_payload,
    iso_now,
    snowflake,
)

# Seconds a test waits for an event before it calls it a hang; no event needs "enough time".
HANG = 300.0
MESSAGE_CONTENT_INTENT = 1 << 15
# Discord allows 5 message sends/edits per 5 s per channel; the double enforces the same.
CHANNEL_BUCKET = (5, 5.0)
# Discord drops a second message with the same nonce (and enforce_nonce) for a few minutes.
NONCE_WINDOW = 300.0
# A message with this flag is laid out by its components alone (Components V2).
IS_COMPONENTS_V2 = 1 << 15
_V2_MAX_COMPONENTS = 40  # Discord's limit on components in one V2 message, nested ones counted


def walk_components(components: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every component of a message, nested ones (rows, containers, sections) included."""
    out = []
    for component in components:
        out.append(component)
        out += walk_components(component.get("components") or [])
        if accessory := component.get("accessory"):
            out.append(accessory)
    return out


def custom_ids(data: dict[str, Any]) -> list[str]:
    """The custom ids of a message's buttons and selects, in order, at any depth."""
    return [
        c["custom_id"] for c in walk_components(data.get("components") or []) if "custom_id" in c
    ]


def media_urls(data: dict[str, Any]) -> list[str]:
    """The ``attachment://`` and other media URLs a V2 message's components show."""
    urls = []
    for component in walk_components(data.get("components") or []):
        for item in component.get("items") or []:
            urls.append(item["media"]["url"])
        if media := component.get("media"):
            urls.append(media["url"])
        if file := component.get("file"):
            urls.append(file["url"])
    return urls


@dataclass
class Call:
    """One REST request the bot made."""

    method: str
    path: str
    json: Any
    files: dict[str, tuple[str, bytes]]  # form field -> (filename, data)
    at: float
    status: int = 200


class InvalidBody(ValueError):
    """A message body Discord would refuse with 400 Invalid Form Body."""


@dataclass
class Fault:
    """Requests the double answers with an error on purpose (see ``fail_next``)."""

    method: str
    path: re.Pattern[str]
    status: int
    times: int
    retry_after: float
    hits: int = 0

    def response(self) -> web.Response:
        if self.status == 429:
            return _too_many(self.retry_after)
        return _json({"message": f"{self.status}: simulated by the double", "code": 0},
                     status=self.status)  # fmt: skip


@dataclass
class StoredMessage:
    data: dict[str, Any]
    edits: list[tuple[float, dict[str, Any]]] = field(default_factory=list)
    deleted: bool = False
    nonce: str | None = None
    created: float = field(default_factory=time.monotonic)

    @property
    def id(self) -> int:
        return int(self.data["id"])

    @property
    def attachments(self) -> list[dict[str, Any]]:
        return self.data.get("attachments", [])

    @property
    def text(self) -> str:
        """What a member reads: the content, or a V2 message's text displays."""
        shown = [c["content"] for c in walk_components(self.data.get("components") or [])
                 if c.get("type") == 10]  # fmt: skip
        return "\n".join([self.data.get("content") or "", *shown]).strip()


@dataclass
class Interaction:
    id: int
    token: str
    channel_id: int
    user: FakeUser
    response_type: int | None = None
    original_id: int | None = None
    ephemeral: bool = False
    message_id: int | None = None  # the message whose button was pressed
    choices: list[dict[str, Any]] | None = None  # an autocomplete answer
    place: Place = Place.GUILD
    guild_id: int | None = None  # the server it happened in (not always the double's)
    modal: dict[str, Any] | None = None  # the modal the bot answered with
    expired: bool = False  # its token no longer works (see expire_token)


class DiscordDouble:
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

    # -- server ------------------------------------------------------------------------------

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

    # -- faults ------------------------------------------------------------------------------

    def fail_next(
        self, method: str, path: str, status: int, *, times: int = 1, retry_after: float = 0.5
    ) -> Fault:
        """Answer the next ``times`` requests for ``method`` and ``path`` (a regex searched in
        the API path) with ``status`` (429 comes with ``retry_after`` and its headers)."""
        fault = Fault(method.upper(), re.compile(path), status, times, retry_after)
        self.faults.append(fault)
        return fault

    async def drop_gateway(self, code: int = 4000) -> None:
        """Close the bot's gateway connection as Discord does on an error; it should resume."""
        for session in list(self._sockets):
            session.ready = False
            await session.ws.close(code=code, message=b"dropped by the double")

    def _fault_for(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if fault.hits < fault.times and fault.method == method and fault.path.search(path):
                fault.hits += 1
                return fault
        return None

    # -- acting as members -------------------------------------------------------------------

    def add_user(self, name: str, *, permissions: int | None = None) -> FakeUser:
        """A member; ``permissions`` beyond @everyone's come from a role of their own (add
        members before the bot connects: the guild's roles are sent at GUILD_CREATE)."""
        user = FakeUser(name)
        if permissions is not None and permissions != MEMBER_PERMISSIONS:
            user.permissions = permissions
            user.role_id = snowflake()
        self.users.append(user)
        return user

    def upload(
        self,
        filename: str,
        data: bytes,
        content_type: str | None = "image/png",
        *,
        size: int | None = None,
    ) -> dict[str, Any]:
        """Put a file on the CDN; ``size`` lets a test claim a different size than the data."""
        attachment_id = snowflake()
        key = f"attachments/{self.channel_id}/{attachment_id}/{filename}"
        self.cdn[key] = (data, content_type)
        return attachment_payload(
            attachment_id,
            filename,
            len(data) if size is None else size,
            self.cdn_url(key),
            content_type,
        )

    async def post_message(
        self,
        author: FakeUser,
        content: str,
        attachments: list[dict[str, Any]] | None = None,
        *,
        reply_to: int | None = None,
        channel_id: int | None = None,
    ) -> StoredMessage:
        """A member posts a message (in the main channel unless told); the bot receives
        MESSAGE_CREATE."""
        channel_id = channel_id or self.channel_id
        message_id = snowflake()
        mentions = [
            u.payload() for u in self.users if f"<@{u.id}>" in content or f"<@!{u.id}>" in content
        ]
        data: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "guild_id": str(self.guild_id),
            "author": author.payload(),
            "member": author.member_payload(with_user=False),
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": mentions,
            "mention_roles": [],
            "attachments": attachments or [],
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        if reply_to is not None:
            data["type"] = 19
            data["message_reference"] = {
                "type": 0,
                "message_id": str(reply_to),
                "channel_id": str(channel_id),
                "guild_id": str(self.guild_id),
            }
            replied = self.messages.get(reply_to)
            data["referenced_message"] = (
                None if replied is None or replied.deleted else replied.data
            )
        stored = StoredMessage(data)
        self.messages[message_id] = stored
        await self.dispatch("MESSAGE_CREATE", self._as_seen_by_bot(data))
        return stored

    async def delete_message(self, message_id: int) -> None:
        message = self.messages[message_id]
        message.deleted = True
        await self.dispatch(
            "MESSAGE_DELETE",
            {
                "id": str(message_id),
                "channel_id": str(self.channel_id),
                "guild_id": str(self.guild_id),
            },
        )

    async def run_slash(
        self,
        user: FakeUser,
        name: str,
        options: dict[str, Any] | None = None,
        attachments: dict[str, dict[str, Any]] | None = None,
        *,
        subcommand: tuple[str, ...] = (),
        channel_id: int | None = None,
        place: Place = Place.GUILD,
    ) -> Interaction:
        """A member runs ``/name`` (``/name group sub`` with ``subcommand=("group", "sub")``);
        attachment options are given as uploaded payloads."""
        command = next((c for c in self.commands if c["name"] == name), None)
        command_id = command["id"] if command else str(snowflake())
        option_list: list[dict[str, Any]] = []
        resolved: dict[str, Any] = {}
        for key, value in (options or {}).items():
            kind = 3 if isinstance(value, str) else 4 if isinstance(value, int) else 10
            option_list.append({"name": key, "type": kind, "value": value})
        for key, attachment in (attachments or {}).items():
            option_list.append({"name": key, "type": 11, "value": attachment["id"]})
            resolved.setdefault("attachments", {})[attachment["id"]] = attachment
        for depth, sub in reversed(list(enumerate(subcommand))):
            kind = 1 if depth == len(subcommand) - 1 else 2  # SUB_COMMAND, SUB_COMMAND_GROUP
            option_list = [{"name": sub, "type": kind, "options": option_list}]
        data: dict[str, Any] = {"id": command_id, "name": name, "type": 1, "options": option_list}
        if resolved:
            data["resolved"] = resolved
        return await self._interact(user, 2, data, channel_id=channel_id, place=place)

    async def autocomplete(
        self,
        user: FakeUser,
        name: str,
        focused: str,
        typed: str,
        *,
        subcommand: tuple[str, ...] = (),
    ) -> list[dict[str, Any]]:
        """A member types ``typed`` into option ``focused`` of ``/name``; returns the choices."""
        command = next((c for c in self.commands if c["name"] == name), None)
        options = [{"name": focused, "type": 3, "value": typed, "focused": True}]
        for depth, sub in reversed(list(enumerate(subcommand))):
            kind = 1 if depth == len(subcommand) - 1 else 2
            options = [{"name": sub, "type": kind, "options": options}]
        data = {
            "id": command["id"] if command else str(snowflake()),
            "name": name,
            "type": 1,
            "options": options,
        }
        interaction = await self._interact(user, 4, data)
        return await self.wait_for(lambda: interaction.choices is not None and interaction.choices)

    async def press(self, user: FakeUser, message_id: int, custom_id: str) -> Interaction:
        """A member presses a button on one of the bot's messages."""
        message = self.messages[message_id]
        return await self._interact(
            user, 3, {"custom_id": custom_id, "component_type": 2}, message=message.data
        )

    async def run_context_menu(
        self,
        user: FakeUser,
        name: str,
        *,
        message: StoredMessage | dict[str, Any] | None = None,
        target: FakeUser | None = None,
        place: Place = Place.GUILD,
    ) -> Interaction:
        """A member right-clicks ``message`` (or the user ``target``) > Apps > ``name``; a
        deleted or foreign message may be given as its payload."""
        command = next((c for c in self.commands if c["name"] == name), None)
        data = message.data if isinstance(message, StoredMessage) else message
        menu = context_menu_data(command, name, message=data, user=target)
        channel_id = int(data["channel_id"]) if data is not None else None
        return await self._interact(user, 2, menu, channel_id=channel_id, place=place)

    async def submit_modal(
        self,
        user: FakeUser,
        opened: Interaction,
        values: dict[str, str | list[str]] | None = None,
        uploads: dict[str, list[dict[str, Any]]] | None = None,
    ) -> Interaction:
        """The member fills in and sends the modal the bot answered ``opened`` with."""
        assert opened.modal is not None, "the bot did not answer with a modal"
        data = modal_submit_data(opened.modal, values or {}, uploads or {})
        return await self._interact(
            user, MODAL_SUBMIT, data, channel_id=opened.channel_id, place=opened.place,
            guild_id=opened.guild_id,
        )  # fmt: skip

    def expire_token(self, interaction: Interaction) -> None:
        """Discord forgets the interaction's token (after 15 minutes, or earlier for tests)."""
        interaction.expired = True

    def dm_channel(self, user: FakeUser) -> int:
        """The bot's DM channel with ``user`` (made on first use, as Discord does)."""
        return self.dm_channels.setdefault(user.id, snowflake())

    def set_avatar(self, user: FakeUser, data: bytes) -> None:
        user.avatar = f"{snowflake():x}"
        self.cdn[f"avatars/{user.id}/{user.avatar}.png"] = (data, "image/png")

    def messages_in(self, channel_id: int) -> list[StoredMessage]:
        return [m for m in self.messages.values() if m.data["channel_id"] == str(channel_id)]

    async def _interact(
        self,
        user: FakeUser,
        kind: int,
        data: dict[str, Any],
        message: dict[str, Any] | None = None,
        channel_id: int | None = None,
        place: Place = Place.GUILD,
        guild_id: int | None = None,
    ) -> Interaction:
        if place is Place.BOT_DM:
            channel_id = self.dm_channel(user)
        elif place is not Place.GUILD and channel_id in (None, *self.channel_ids):
            channel_id = snowflake()  # a channel the bot is not in
        channel_id = channel_id or self.channel_id
        if place is Place.USER_GUILD:
            guild_id = guild_id or snowflake()
        elif place is Place.GUILD:
            guild_id = self.guild_id
        interaction = Interaction(snowflake(), f"itoken{snowflake()}", channel_id, user)
        interaction.place, interaction.guild_id = place, guild_id
        if message is not None:
            interaction.message_id = int(message["id"])
        self.interactions[interaction.token] = interaction
        payload: dict[str, Any] = {
            "id": str(interaction.id),
            "application_id": str(self.app_id),
            "type": kind,
            "data": data,
            **place_fields(
                place,
                user,
                guild_id=guild_id or 0,
                channel_id=channel_id,
                permissions=user.permissions,
            ),
            "token": interaction.token,
            "version": 1,
            "app_permissions": str(ALL_PERMISSIONS),
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10 * 2**20,
        }
        if message is not None:
            payload["message"] = message
        await self.dispatch("INTERACTION_CREATE", payload)
        return interaction

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

    # -- gateway -----------------------------------------------------------------------------

    def connected(self) -> bool:
        """A bot is connected and has been sent READY (events before that are not delivered)."""
        return any(session.ready and not session.ws.closed for session in self._sockets)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        for session in list(self._sockets):
            if session.ready:
                await session.send_event(event, data)

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

    def _ready_payload(self, session_id: str) -> dict[str, Any]:
        return {
            "v": 10,
            "user": {**self.bot_user.payload(), "verified": True, "mfa_enabled": False, "flags": 0},
            "guilds": [{"id": str(self.guild_id), "unavailable": True}],
            "session_id": session_id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.app_id), "flags": 0},
            "private_channels": [],
            "relationships": [],
            "presences": [],
        }

    def _guild_payload(self) -> dict[str, Any]:
        return guild_payload(
            self.guild_id,
            "Test Server",
            self.channel_ids,
            self.owner,
            self.users,
        )

    def _as_seen_by_bot(self, data: dict[str, Any]) -> dict[str, Any]:
        """Without the message-content intent Discord blanks content, attachments and embeds,
        except in messages that mention the bot."""
        if self.grant_message_content:
            return data
        if any(m["id"] == str(self.bot_user.id) for m in data.get("mentions", [])):
            return data
        return {**data, "content": "", "attachments": [], "embeds": [], "components": []}

    # -- REST --------------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        body, files = await _read_body(request)
        call = Call(request.method, path, body, files, time.monotonic())
        self.calls.append(call)
        try:
            if not path.startswith(("/webhooks/", "/interactions/")):
                auth = request.headers.get("Authorization", "")
                if auth != f"Bot {self.token}":
                    call.status = 401
                    return _json({"message": "401: Unauthorized", "code": 0}, status=401)
            if fault := self._fault_for(request.method, path):
                call.status = fault.status
                if fault.status == 429:
                    self.rate_limited.append(call)
                return fault.response()
            limited, headers = self._rate_limit(request.method, path)
            if limited is not None:
                call.status = 429
                self.rate_limited.append(call)
                return _too_many(limited)
            try:
                response = await self._route(request.method, path, request, body, files)
            except InvalidBody as exc:
                self.invalid.append((call, str(exc)))
                response = _json(
                    {
                        "message": "Invalid Form Body",
                        "code": 50035,
                        "errors": {
                            "components": {
                                "_errors": [{"code": "COMPONENT_INVALID", "message": str(exc)}]
                            }
                        },
                    },
                    status=400,
                )
            response.headers.update(headers)
            call.status = response.status
            return response
        finally:
            await self._notify()

    def _rate_limit(self, method: str, path: str) -> tuple[float | None, dict[str, str]]:
        """(seconds to wait if over the limit, the X-RateLimit headers Discord sends)."""
        match = re.fullmatch(r"/channels/(\d+)/messages(/\d+)?", path)
        if match is None or method not in ("POST", "PATCH"):
            return None, {}
        limit, per = CHANNEL_BUCKET
        bucket = self._buckets[int(match.group(1))]
        now = time.monotonic()
        while bucket and now - bucket[0] >= per:
            bucket.popleft()
        if len(bucket) >= limit:
            return per - (now - bucket[0]), {}
        bucket.append(now)
        reset_after = per - (now - bucket[0])
        return None, {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(limit - len(bucket)),
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Bucket": f"channel-messages-{match.group(1)}",
        }

    async def _route(
        self,
        method: str,
        path: str,
        request: web.Request,
        body: Any,
        files: dict[str, tuple[str, bytes]],
    ) -> web.Response:
        app = str(self.app_id)
        if path == "/users/@me" and method == "GET":
            return _json(self.bot_user.payload())
        if path in ("/oauth2/applications/@me", "/applications/@me") and method == "GET":
            return _json(self._application())
        if path == f"/applications/{app}/commands" and method == "PUT":
            self.commands = [
                {
                    "description": "",
                    **c,
                    "id": str(snowflake()),
                    "application_id": app,
                    "version": "1",
                }  # context menus have no description; Discord sends ""
                for c in body
            ]
            return _json(self.commands)
        if path == f"/applications/{app}/commands" and method == "GET":
            return _json(self.commands)
        if path == "/users/@me/channels" and method == "POST":
            user = next((u for u in self.users if str(u.id) == str(body["recipient_id"])), None)
            if user is None:
                return _json({"message": "Unknown User", "code": 10013}, status=404)
            channel = {"id": str(self.dm_channel(user)), "type": 1,
                       "recipients": [user.payload()], "last_message_id": None}  # fmt: skip
            return _json(channel)
        if (m := re.match(r"/channels/(\d+)/", path)) and not self._bot_may_use(int(m.group(1))):
            return _json({"message": "Missing Access", "code": 50001}, status=403)
        if m := re.fullmatch(r"/channels/(\d+)/typing", path):
            return web.Response(status=204)
        if (m := re.fullmatch(r"/channels/(\d+)/messages", path)) and method == "POST":
            if body.get("enforce_nonce") and (earlier := self._by_nonce(body.get("nonce"))):
                return _json(earlier.data)  # Discord returns the first message, posts nothing
            message = self._create_message(int(m.group(1)), body, files)
            await self.dispatch("MESSAGE_CREATE", message.data)
            return _json(message.data)
        if m := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path):
            message = self.messages.get(int(m.group(2)))
            if message is None or message.deleted:
                return _unknown_message()
            if method == "GET":
                return _json(message.data)
            if method == "PATCH":
                self._edit_message(message, body, files)
                return _json(message.data)
            if method == "DELETE":
                message.deleted = True
                return web.Response(status=204)
        if m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return self._interaction_callback(m.group(2), body, files, request)
        if m := re.fullmatch(rf"/webhooks/{app}/([^/]+)(?:/messages/(@original|\d+))?", path):
            return self._webhook(method, m.group(1), m.group(2), body, files)
        return _json({"message": f"no route {method} {path}", "code": 0}, status=404)

    def _bot_may_use(self, channel_id: int) -> bool:
        """The bot user reaches its server's channels and its own DMs, nothing else."""
        return channel_id in self.channel_ids or channel_id in self.dm_channels.values()

    def _by_nonce(self, nonce: str | None) -> StoredMessage | None:
        """The bot's message with this nonce from the last few minutes, as Discord keeps."""
        if not nonce:
            return None
        for message in reversed(self.messages.values()):
            if message.nonce == nonce and time.monotonic() - message.created < NONCE_WINDOW:
                return message
        return None

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(self.app_id),
            "name": "StyleBot",
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.owner.payload(),
            "verify_key": "0" * 64,
            "flags": 0,
            "team": None,
            "summary": "",
            "interactions_endpoint_url": None,
        }

    def _check_message(
        self, data: dict[str, Any], body: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> str | None:
        """Why Discord would refuse this message body (400), or None: what StyleBot could get
        wrong about Components V2 (text or embeds beside it, a missing attachment, too many
        components)."""
        flags = body.get("flags", data.get("flags") or 0) or 0
        if not flags & IS_COMPONENTS_V2:
            return None
        if self.refuse_components_v2:
            return "this channel does not take Components V2 messages (set by the test)"
        if body.get("content") or body.get("embeds"):
            return "content and embeds cannot be used with the IS_COMPONENTS_V2 flag"
        components = body.get("components", data.get("components")) or []
        if len(walk_components(components)) > _V2_MAX_COMPONENTS:
            return f"more than {_V2_MAX_COMPONENTS} components"
        names = {entry.get("filename") for entry in body.get("attachments") or []}
        names |= {name for name, _ in files.values()}
        names |= {a["filename"] for a in data.get("attachments") or []}
        for url in media_urls({"components": components}):
            if url.startswith("attachment://") and url[len("attachment://") :] not in names:
                return f"{url} is not an attachment of the message"
        for component in walk_components(components):
            if component.get("type") == 12 and not 1 <= len(component.get("items") or []) <= 10:
                return "a media gallery holds 1 to 10 items"
        return None

    def _create_message(
        self,
        channel_id: int,
        body: dict[str, Any],
        files: dict[str, tuple[str, bytes]],
        *,
        interaction: Interaction | None = None,
    ) -> StoredMessage:
        if problem := self._check_message({}, body, files):
            raise InvalidBody(problem)
        message_id = snowflake()
        if interaction is not None:
            guild_id = interaction.guild_id
        else:
            guild_id = self.guild_id if channel_id in self.channel_ids else None
        data: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            **({"guild_id": str(guild_id)} if guild_id else {}),
            "author": self.bot_user.payload(),
            "content": body.get("content") or "",
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "attachments": self._new_attachments(body, files, []),
            "pinned": False,
            "type": 0,
            "flags": body.get("flags") or 0,
        }
        if ref := body.get("message_reference"):
            data["type"] = 19
            data["message_reference"] = {
                "type": ref.get("type", 0),
                "message_id": str(ref["message_id"]),
                "channel_id": str(channel_id),
                "guild_id": str(guild_id),
            }
        if interaction is not None:
            data["interaction_metadata"] = {
                "id": str(interaction.id),
                "type": 2,
                "user": interaction.user.payload(),
                "authorizing_integration_owners": {},
            }
            data["webhook_id"] = str(self.app_id)
            data["application_id"] = str(self.app_id)
        message = StoredMessage(data, nonce=body.get("nonce"))
        self.messages[message_id] = message
        return message

    def _edit_message(
        self, message: StoredMessage, body: dict[str, Any], files: dict[str, tuple[str, bytes]]
    ) -> None:
        data = message.data
        if problem := self._check_message(data, body, files):
            raise InvalidBody(problem)
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                data[key] = body[key] if body[key] is not None else ([] if key != "content" else "")
        if "attachments" in body or files:
            data["attachments"] = self._new_attachments(body, files, data["attachments"])
        data["edited_timestamp"] = iso_now()
        message.edits.append((time.monotonic(), json.loads(json.dumps(data))))

    def _new_attachments(
        self, body: dict[str, Any], files: dict[str, tuple[str, bytes]], old: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """Keep the listed existing attachments and store the uploaded ``files[n]``."""
        listed = body.get("attachments")
        if listed is None:
            listed = [{"id": i} for i in range(len(files))]
        by_id = {a["id"]: a for a in old}
        out = []
        for entry in listed:
            key = f"files[{entry['id']}]"
            if key in files:
                filename, data = files[key]
                out.append(self.upload(entry.get("filename") or filename, data, None))
            elif str(entry["id"]) in by_id:
                out.append(by_id[str(entry["id"])])
        return out

    def _interaction_callback(
        self,
        token: str,
        body: dict[str, Any],
        files: dict[str, tuple[str, bytes]],
        request: web.Request,
    ) -> web.Response:
        interaction = self.interactions.get(token)
        if interaction is None:
            return _json({"message": "Unknown interaction", "code": 10062}, status=404)
        if interaction.response_type is not None:
            return _json(
                {"message": "Interaction has already been acknowledged.", "code": 40060},
                status=400,
            )
        kind = body["type"]
        data = body.get("data") or {}
        interaction.ephemeral = bool((data.get("flags") or 0) & 64)
        resource: dict[str, Any] = {"type": kind}
        if kind in (4, 5):  # message, or deferred "thinking" message
            if kind == 5:
                data = {**data, "flags": (data.get("flags") or 0) | 128}
            message = self._create_message(
                interaction.channel_id, data, files, interaction=interaction
            )
            interaction.original_id = message.id
            resource["message"] = message.data
        elif kind == 8:  # autocomplete choices
            interaction.choices = data.get("choices", [])
        elif kind == 9:  # a modal for the member to fill in
            interaction.modal = data
        elif kind == 7 and interaction.message_id is not None:  # update the button's message
            self._edit_message(self.messages[interaction.message_id], data, files)
        if kind in (6, 7) and interaction.message_id is not None:
            interaction.original_id = interaction.message_id  # @original is the button's message
        interaction.response_type = kind  # only once the answer was taken
        response = {
            "interaction": {
                "id": str(interaction.id),
                "type": 2,
                "response_message_id": str(interaction.original_id or 0),
                "response_message_loading": kind == 5,
                "response_message_ephemeral": interaction.ephemeral,
            },
            "resource": resource,
        }
        if request.query.get("with_response") in ("1", "true", "True"):
            return _json(response)
        return web.Response(status=204)

    def _webhook(
        self,
        method: str,
        token: str,
        target: str | None,
        body: Any,
        files: dict[str, tuple[str, bytes]],
    ) -> web.Response:
        interaction = self.interactions.get(token)
        if interaction is None or interaction.expired:
            return _json({"message": "Invalid Webhook Token", "code": 50027}, status=401)
        if target is None and method == "POST":  # follow-up message
            message = self._create_message(
                interaction.channel_id, body or {}, files, interaction=interaction
            )
            return _json(message.data)
        message_id = interaction.original_id if target == "@original" else int(target or 0)
        message = self.messages.get(message_id or 0)
        if message is None or message.deleted:
            return _unknown_message()
        if method == "GET":
            return _json(message.data)
        if method == "PATCH":
            if target == "@original" and message.data.get("flags", 0) & 128:
                flags = (message.data["flags"] | ((body or {}).get("flags") or 0)) & ~128
                body = {**(body or {}), "flags": flags}
            self._edit_message(message, body or {}, files)
            return _json(message.data)
        if method == "DELETE":
            message.deleted = True
            return web.Response(status=204)
        return _json({"message": "405", "code": 0}, status=405)

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        self.cdn_requests.append(key)
        if key not in self.cdn:
            return web.Response(status=404)
        data, content_type = self.cdn[key]
        return web.Response(body=data, content_type=content_type or "application/octet-stream")


class _GatewaySession:
    """One gateway connection: HELLO, heartbeats, IDENTIFY -> READY + GUILD_CREATE, RESUME."""

    def __init__(self, double: DiscordDouble, ws: web.WebSocketResponse, compress: str | None):
        self.double = double
        self.ws = ws
        self.seq = 0
        self.ready = False
        self.session_id = f"session{snowflake()}"
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
        await self.send_event("READY", double._ready_payload(self.session_id))
        self.ready = True
        await self.send_event("GUILD_CREATE", double._guild_payload())
        await double._notify()


async def _read_body(request: web.Request) -> tuple[Any, dict[str, tuple[str, bytes]]]:
    files: dict[str, tuple[str, bytes]] = {}
    if request.content_type.startswith("multipart/"):
        payload: Any = {}
        reader = await request.multipart()
        async for part in reader:
            if part.name == "payload_json":
                payload = json.loads(await part.text())
            elif part.name:
                files[part.name] = (part.filename or part.name, bytes(await part.read()))
        return payload, files
    if request.can_read_body:
        text = await request.text()
        return (json.loads(text) if text else None), files
    return None, files


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    """JSON exactly as Discord labels it: discord.py compares the content type verbatim."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def _unknown_message() -> web.Response:
    return _json({"message": "Unknown Message", "code": 10008}, status=404)


def _too_many(retry_after: float) -> web.Response:
    return _json(
        {"message": "You are being rate limited.", "retry_after": retry_after, "global": False},
        status=429,
        headers={
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": str(CHANNEL_BUCKET[0]),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": "double-channel-bucket",
            "X-RateLimit-Scope": "user",
            # Discord's answers come through Google's front end; discord.py reads a 429
            # without this header as a Cloudflare ban and does not retry it.
            "Via": "1.1 google",
        },
    )
