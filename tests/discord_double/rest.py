"""The REST API v10 and the CDN as the double serves them: authorisation, faults, Discord's
per-channel rate limit with its headers and 429s, and the routes StyleBot uses."""

from __future__ import annotations

import json
import re
import time
from typing import Any

from aiohttp import web

from tests.discord_double.payloads import (
    snowflake,
)
from tests.discord_double.records import Call, InvalidBody, StoredMessage

# Discord allows 5 message sends/edits per 5 s per channel; the double enforces the same.
CHANNEL_BUCKET = (5, 5.0)
# Discord drops a second message with the same nonce (and enforce_nonce) for a few minutes.
NONCE_WINDOW = 300.0


class RestMixin:
    """The REST API v10 and the CDN: authorisation, faults, the per-channel rate limit, the
    routes."""

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["path"]
        body, files = await read_body(request)
        call = Call(request.method, path, body, files, time.monotonic())
        self.calls.append(call)
        try:
            if not path.startswith(("/webhooks/", "/interactions/")):
                auth = request.headers.get("Authorization", "")
                if auth != f"Bot {self.token}":
                    call.status = 401
                    return json_response({"message": "401: Unauthorized", "code": 0}, status=401)
            if fault := self._fault_for(request.method, path):
                call.status = fault.status
                if fault.status == 429:
                    self.rate_limited.append(call)
                return fault.response()
            limited, headers = self._rate_limit(request.method, path)
            if limited is not None:
                call.status = 429
                self.rate_limited.append(call)
                return too_many(limited)
            try:
                response = await self._route(request.method, path, request, body, files)
            except InvalidBody as exc:
                self.invalid.append((call, str(exc)))
                response = json_response(
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
            return json_response(self.bot_user.payload())
        if path == "/gateway/bot" and method == "GET":
            return json_response({
                "url": self.gateway_url,
                "shards": self.recommended_shards,
                "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0,
                                        "max_concurrency": 1},
            })  # fmt: skip
        if path in ("/oauth2/applications/@me", "/applications/@me") and method == "GET":
            return json_response(self._application())
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
            return json_response(self.commands)
        if path == f"/applications/{app}/commands" and method == "GET":
            return json_response(self.commands)
        if path == "/users/@me/channels" and method == "POST":
            user = next((u for u in self.users if str(u.id) == str(body["recipient_id"])), None)
            if user is None:
                return json_response({"message": "Unknown User", "code": 10013}, status=404)
            channel = {"id": str(self.dm_channel(user)), "type": 1,
                       "recipients": [user.payload()], "last_message_id": None}  # fmt: skip
            return json_response(channel)
        if (m := re.match(r"/channels/(\d+)/", path)) and not self._bot_may_use(int(m.group(1))):
            return json_response({"message": "Missing Access", "code": 50001}, status=403)
        if m := re.fullmatch(r"/channels/(\d+)/typing", path):
            return web.Response(status=204)
        if (m := re.fullmatch(r"/channels/(\d+)/messages", path)) and method == "POST":
            if body.get("enforce_nonce") and (earlier := self._by_nonce(body.get("nonce"))):
                return json_response(
                    earlier.data
                )  # Discord returns the first message, posts nothing
            message = self._create_message(int(m.group(1)), body, files)
            await self.dispatch("MESSAGE_CREATE", message.data)
            return json_response(message.data)
        if m := re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path):
            message = self.messages.get(int(m.group(2)))
            if message is None or message.deleted:
                return unknown_message()
            if method == "GET":
                return json_response(message.data)
            if method == "PATCH":
                self._edit_message(message, body, files)
                return json_response(message.data)
            if method == "DELETE":
                message.deleted = True
                return web.Response(status=204)
        if m := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", path):
            return self._interaction_callback(m.group(2), body, files, request)
        if m := re.fullmatch(rf"/webhooks/{app}/([^/]+)(?:/messages/(@original|\d+))?", path):
            return self._webhook(method, m.group(1), m.group(2), body, files)
        return json_response({"message": f"no route {method} {path}", "code": 0}, status=404)

    def _bot_may_use(self, channel_id: int) -> bool:
        """The bot user reaches its server's channels and its own DMs, nothing else."""
        return self.guild_of(channel_id) is not None or channel_id in self.dm_channels.values()

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

    async def _cdn(self, request: web.Request) -> web.StreamResponse:
        key = request.match_info["key"]
        self.cdn_requests.append(key)
        if key not in self.cdn:
            return web.Response(status=404)
        data, content_type = self.cdn[key]
        return web.Response(body=data, content_type=content_type or "application/octet-stream")


async def read_body(request: web.Request) -> tuple[Any, dict[str, tuple[str, bytes]]]:
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


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON exactly as Discord labels it: discord.py compares the content type verbatim."""
    return web.Response(
        body=json.dumps(data).encode(),
        status=status,
        headers={"Content-Type": "application/json", **(headers or {})},
    )


def unknown_message() -> web.Response:
    return json_response({"message": "Unknown Message", "code": 10008}, status=404)


def too_many(retry_after: float) -> web.Response:
    return json_response(
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
