"""Messages as Discord keeps them: created and edited by the bot (a body checked as Discord
checks Components V2), through the channel routes, interaction callbacks and webhooks."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web

from tests.discord_double.payloads import (
    iso_now,
    snowflake,
)
from tests.discord_double.records import (
    Interaction,
    InvalidBody,
    StoredMessage,
    media_urls,
    walk_components,
)
from tests.discord_double.rest import json_response, unknown_message

# A message with this flag is laid out by its components alone (Components V2).
IS_COMPONENTS_V2 = 1 << 15

_V2_MAX_COMPONENTS = 40  # Discord's limit on components in one V2 message, nested ones counted


class MessagesMixin:
    """Messages as Discord keeps them: created, edited, checked as Discord checks a body,
    and the interaction callbacks and webhooks that make them."""

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
        guild_id = interaction.guild_id if interaction is not None else self.guild_of(channel_id)
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
            return json_response({"message": "Unknown interaction", "code": 10062}, status=404)
        if interaction.response_type is not None:
            return json_response(
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
            return json_response(response)
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
            return json_response({"message": "Invalid Webhook Token", "code": 50027}, status=401)
        if target is None and method == "POST":  # follow-up message
            message = self._create_message(
                interaction.channel_id, body or {}, files, interaction=interaction
            )
            return json_response(message.data)
        message_id = interaction.original_id if target == "@original" else int(target or 0)
        message = self.messages.get(message_id or 0)
        if message is None or message.deleted:
            return unknown_message()
        if method == "GET":
            return json_response(message.data)
        if method == "PATCH":
            if target == "@original" and message.data.get("flags", 0) & 128:
                flags = (message.data["flags"] | ((body or {}).get("flags") or 0)) & ~128
                body = {**(body or {}), "flags": flags}
            self._edit_message(message, body or {}, files)
            return json_response(message.data)
        if method == "DELETE":
            message.deleted = True
            return web.Response(status=204)
        return json_response({"message": "405", "code": 0}, status=405)
