"""Where a job's messages go: the channel of a text command, or the slash command's interaction.

Both kinds post the job's status message and its result the same way through this interface,
so the job service does not care which kind of command started a job.
"""

from __future__ import annotations

import time
from typing import Any, Protocol

import discord

from bot.pacing import ChannelPacer

# Interaction tokens last 15 minutes; past this age, post in the channel instead.
_TOKEN_LIFETIME = 14 * 60


class Replier(Protocol):
    async def send(self, **kwargs: Any) -> discord.Message: ...

    async def refuse(self, text: str) -> None: ...


class MessageReplier:
    """Replies to a member's text command message, paced per channel."""

    def __init__(self, message: discord.Message, pacer: ChannelPacer) -> None:
        self.message = message
        self.pacer = pacer

    async def send(self, **kwargs: Any) -> discord.Message:
        await self.pacer.slot(self.message.channel.id)
        reference = self.message.to_reference(fail_if_not_exists=False)
        return await self.message.channel.send(reference=reference, **kwargs)

    async def refuse(self, text: str) -> None:
        await self.send(content=text)


class InteractionReplier:
    """Answers a slash command or a button: through the interaction while its token lives,
    then in the channel."""

    def __init__(self, interaction: discord.Interaction) -> None:
        self.interaction = interaction
        self.started = time.monotonic()
        self._original_used = False

    async def send(self, **kwargs: Any) -> discord.Message:
        interaction = self.interaction
        if time.monotonic() - self.started < _TOKEN_LIFETIME:
            if not interaction.response.is_done():
                await interaction.response.send_message(**kwargs)
                return await interaction.original_response()
            if self._deferred_open():
                self._original_used = True  # a deferred "thinking..." answer becomes this message
                if "file" in kwargs:
                    kwargs["attachments"] = [kwargs.pop("file")]
                return await interaction.edit_original_response(**kwargs)
            return await interaction.followup.send(wait=True, **kwargs)
        channel = interaction.channel
        if not isinstance(channel, discord.abc.Messageable):
            raise discord.ClientException("the interaction's channel cannot take messages")
        return await channel.send(**kwargs)

    async def refuse(self, text: str) -> None:
        if self._deferred_open():
            self._original_used = True
            await self.interaction.edit_original_response(content=text)
        elif self.interaction.response.is_done():
            await self.interaction.followup.send(text, ephemeral=True)
        else:
            await self.interaction.response.send_message(text, ephemeral=True)

    def _deferred_open(self) -> bool:
        response_type = self.interaction.response.type
        deferred = response_type is discord.InteractionResponseType.deferred_channel_message
        return deferred and not self._original_used
