"""Counts every command and button press by outcome (``stylebot_commands_total``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord
from discord.ext import commands

from bot.observe.bot_side import outcome_of

if TYPE_CHECKING:
    from bot.app import StyleBot


def component_name(interaction: discord.Interaction[Any]) -> str | None:
    """``button:<kind>`` / ``form:<kind>`` from StyleBot's namespaced custom ids."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = str(data.get("custom_id", ""))
    parts = custom_id.split(":")
    kind = parts[1] if len(parts) > 1 and parts[0] == "stylebot" else "other"
    if interaction.type is discord.InteractionType.component:
        return f"button:{kind}"
    if interaction.type is discord.InteractionType.modal_submit:
        return f"form:{kind}"
    return None


class CommandCounter(commands.Cog):
    def __init__(self, bot: StyleBot) -> None:
        self.counter = bot.metrics.commands

    @commands.Cog.listener()
    async def on_command_completion(self, ctx: commands.Context[Any]) -> None:
        if ctx.command is not None:
            self.counter.labels(ctx.command.qualified_name, "ok").inc()

    @commands.Cog.listener()
    async def on_command_error(self, ctx: commands.Context[Any], error: Exception) -> None:
        if isinstance(error, commands.HybridCommandError):
            error = error.original
        if ctx.command is None or isinstance(error, commands.CommandNotFound):
            return
        self.counter.labels(ctx.command.qualified_name, outcome_of(error)).inc()

    @commands.Cog.listener()
    async def on_app_command_completion(
        self, interaction: discord.Interaction[Any], command: Any
    ) -> None:
        if isinstance(command, commands.hybrid.HybridAppCommand):
            return  # counted by on_command_completion
        self.counter.labels(command.qualified_name, "ok").inc()

    @commands.Cog.listener()
    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        name = component_name(interaction)
        if name is not None:
            self.counter.labels(name, "pressed").inc()


async def setup(bot: StyleBot) -> None:
    await bot.add_cog(CommandCounter(bot))
