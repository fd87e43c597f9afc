"""Interaction payloads beyond slash commands: where they happen (a server the bot is in, its
DM with a member, a DM between members or a server where the app is only user-installed),
context menus on a message or a user, and submitted modals."""

from __future__ import annotations

import enum
from typing import Any

from tests.discord_double.payloads import FakeUser, snowflake, text_channel_payload

MESSAGE_MENU, USER_MENU = 3, 2  # application command types
MODAL_SUBMIT = 5  # interaction type
_LABEL, _SELECT, _TEXT_INPUT, _FILE_UPLOAD = 18, 3, 4, 19  # component types


class Place(enum.Enum):
    """Where a member uses the app (Discord's interaction context, and who installed it)."""

    GUILD = "guild"  # a server the bot is in, installed to the server
    BOT_DM = "bot_dm"  # the member's DM with the bot
    PRIVATE = "private"  # a DM or group DM between members; the app is installed to the member
    USER_GUILD = "user_guild"  # a server the bot is not in; the app is installed to the member


def place_fields(
    place: Place,
    user: FakeUser,
    *,
    guild_id: int,
    channel_id: int,
    permissions: int,
) -> dict[str, Any]:
    """The fields of an interaction payload that say where it happened and for whom."""
    channel = {
        **text_channel_payload(channel_id, guild_id, "general", 0),
        "permissions": str(permissions),  # what the member may do there
    }
    if place is Place.GUILD:
        return {
            "guild_id": str(guild_id),
            "channel_id": str(channel_id),
            "channel": channel,
            "member": {**user.member_payload(), "permissions": str(permissions)},
            "authorizing_integration_owners": {"0": str(guild_id)},
            "context": 0,
        }
    if place is Place.USER_GUILD:
        return {
            "guild_id": str(guild_id),
            "guild": {"id": str(guild_id), "locale": "en-US", "features": []},
            "channel_id": str(channel_id),
            "channel": channel,
            "member": {**user.member_payload(), "permissions": str(permissions)},
            "authorizing_integration_owners": {"1": str(user.id)},
            "context": 0,
        }
    dm = {"id": str(channel_id), "type": 1, "recipients": [user.payload()]}
    return {
        "channel_id": str(channel_id),
        "channel": dm,
        "user": user.payload(),
        "authorizing_integration_owners": {"1": str(user.id)},
        "context": 1 if place is Place.BOT_DM else 2,
    }


def context_menu_data(
    command: dict[str, Any] | None,
    name: str,
    *,
    message: dict[str, Any] | None = None,
    user: FakeUser | None = None,
) -> dict[str, Any]:
    """``data`` of a context-menu interaction on ``message`` or on ``user``."""
    command_id = command["id"] if command else str(snowflake())
    if message is not None:
        return {
            "id": command_id,
            "name": name,
            "type": MESSAGE_MENU,
            "target_id": message["id"],
            "resolved": {"messages": {message["id"]: message}},
        }
    assert user is not None
    return {
        "id": command_id,
        "name": name,
        "type": USER_MENU,
        "target_id": str(user.id),
        "resolved": {"users": {str(user.id): user.payload()}},
    }


def modal_submit_data(
    modal: dict[str, Any],
    values: dict[str, str | list[str]],
    uploads: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    """``data`` of a submitted modal: each labelled component of ``modal`` with what the member
    chose (select values, text, uploaded attachments)."""
    components = []
    resolved: dict[str, Any] = {}
    for row in modal.get("components") or []:
        inner = row.get("component") if row["type"] == _LABEL else None
        if inner is None:
            continue
        custom_id = inner["custom_id"]
        answer: dict[str, Any] = {
            "type": inner["type"],
            "custom_id": custom_id,
            "id": inner.get("id", 0),
        }
        if inner["type"] == _SELECT:
            chosen = values.get(custom_id, [])
            answer["values"] = [chosen] if isinstance(chosen, str) else list(chosen)
        elif inner["type"] == _TEXT_INPUT:
            answer["value"] = values.get(custom_id, "")
        elif inner["type"] == _FILE_UPLOAD:
            files = uploads.get(custom_id, [])
            answer["values"] = [f["id"] for f in files]
            for f in files:
                resolved.setdefault("attachments", {})[f["id"]] = f
        components.append({"type": _LABEL, "id": row.get("id", 0), "component": answer})
    data: dict[str, Any] = {"custom_id": modal["custom_id"], "components": components}
    if resolved:
        data["resolved"] = resolved
    return data
