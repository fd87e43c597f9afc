"""Acting as members: posting messages with attachments, uploading to the CDN (their
interactions, slash commands to forms: tests/discord_double/member_actions.py)."""

from __future__ import annotations

from typing import Any

from tests.discord_double.payloads import (
    MEMBER_PERMISSIONS,
    FakeUser,
    attachment_payload,
    iso_now,
    snowflake,
)
from tests.discord_double.records import StoredMessage


class MembersMixin:
    """Acting as members: post, upload, delete."""

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

    def gif_picker_embed(
        self,
        data: bytes,
        *,
        link: str = "https://tenor.com/view/cat-12345",
        host: str | None = None,
    ) -> dict[str, Any]:
        """The embed Discord adds to a GIF sent from its GIF picker (a Tenor link): a ``gifv``
        whose video Discord's media proxy serves (here the double's CDN; ``host`` puts it on
        another server instead)."""
        key = f"external/{snowflake()}/https/media.tenor.com/clip.mp4"
        self.cdn[key] = (data, "video/mp4")
        proxy = self.cdn_url(key) if host is None else f"https://{host}/{key}"
        return {
            "type": "gifv",
            "url": link,
            "provider": {"name": "Tenor", "url": "https://tenor.co"},
            "thumbnail": {"url": "https://media.tenor.com/x/AAAAe/clip.png",
                          "proxy_url": proxy.replace(".mp4", ".png"), "width": 64, "height": 48},
            "video": {"url": "https://media.tenor.com/x/AAAPo/clip.mp4", "proxy_url": proxy,
                      "width": 64, "height": 48},
        }  # fmt: skip

    async def post_message(
        self,
        author: FakeUser,
        content: str,
        attachments: list[dict[str, Any]] | None = None,
        *,
        reply_to: int | None = None,
        channel_id: int | None = None,
        embeds: list[dict[str, Any]] | None = None,
    ) -> StoredMessage:
        """A member posts a message (in the main channel unless told); the bot receives
        MESSAGE_CREATE."""
        channel_id = channel_id or self.channel_id
        guild_id = self.guild_of(channel_id) or self.guild_id
        message_id = snowflake()
        mentions = [
            u.payload() for u in self.users if f"<@{u.id}>" in content or f"<@!{u.id}>" in content
        ]
        data: dict[str, Any] = {
            "id": str(message_id),
            "channel_id": str(channel_id),
            "guild_id": str(guild_id),
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
            "embeds": embeds or [],
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
                "guild_id": str(guild_id),
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

    def dm_channel(self, user: FakeUser) -> int:
        """The bot's DM channel with ``user`` (made on first use, as Discord does)."""
        return self.dm_channels.setdefault(user.id, snowflake())

    def set_avatar(self, user: FakeUser, data: bytes) -> None:
        user.avatar = f"{snowflake():x}"
        self.cdn[f"avatars/{user.id}/{user.avatar}.png"] = (data, "image/png")

    def messages_in(self, channel_id: int) -> list[StoredMessage]:
        return [m for m in self.messages.values() if m.data["channel_id"] == str(channel_id)]
