"""What the double keeps and hands to tests: stored messages, interactions, the REST calls the
bot made, and helpers to read a message's components."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

from tests.discord_double.interactions import (
    Place,
)
from tests.discord_double.payloads import (
    FakeUser,
)


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
