"""Acting as members through interactions: running slash commands (with autocomplete) and
context menus, pressing buttons, filling in forms; each an INTERACTION_CREATE as Discord sends
it, from the place the test names (a server, the bot's DMs, a server without the bot)."""

from __future__ import annotations

from typing import Any

from tests.discord_double.interactions import (
    MODAL_SUBMIT,
    Place,
    context_menu_data,
    modal_submit_data,
    place_fields,
)
from tests.discord_double.payloads import ALL_PERMISSIONS, FakeUser, snowflake
from tests.discord_double.records import Interaction, StoredMessage


class MemberActionsMixin:
    """A member's interactions with the bot's commands and messages."""

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
