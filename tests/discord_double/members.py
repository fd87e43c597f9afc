"""Acting as members: posting messages with attachments, uploading to the CDN, running slash
commands and context menus, pressing buttons, filling in forms."""

from __future__ import annotations

from typing import Any

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
    iso_now,
    snowflake,
)
from tests.discord_double.records import Interaction, StoredMessage


class MembersMixin:
    """Acting as members: post, upload, run slash commands and context menus, press buttons,
    fill in forms."""

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

    async def press(
        self, user: FakeUser, message_id: int, custom_id: str, *, place: Place = Place.GUILD
    ) -> Interaction:
        """A member presses a button on one of the bot's messages (``place``: where the
        interaction says it happened, as for a card delivered to the member's DMs)."""
        message = self.messages[message_id]
        return await self._interact(
            user, 3, {"custom_id": custom_id, "component_type": 2}, message=message.data,
            place=place,
        )  # fmt: skip

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
