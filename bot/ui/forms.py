"""The "Stylize with..." form (a modal): a style from the gallery or the server's presets, or
an upload, and the strength. Its custom id carries the open form's token; what the member
submits goes back to whoever opened it (the context-menu cog)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import discord

from bot.gallery import PAINTINGS
from bot.text import clip

FORM_PREFIX = "stylebot:form:"
_MAX_OPTIONS = 25  # Discord's limit for a select menu

Submitted = Callable[
    [discord.Interaction[Any], str, str | None, list[discord.Attachment], str], Awaitable[None]
]


def style_options(
    *, favourites: Sequence[str], presets: Sequence[str]
) -> list[discord.SelectOption]:
    """The member's favourites first, the other built-in styles, then the server's presets
    (values ``style:NAME`` / ``preset:NAME``), at most 25."""
    by_name = {p.name: p for p in PAINTINGS}
    ordered = [by_name[n] for n in favourites if n in by_name]
    ordered += [p for p in PAINTINGS if p not in ordered]
    options = [
        discord.SelectOption(
            label=clip(p.title, 100),
            value=f"style:{p.name}",
            description=clip(f"{p.painter}, {p.year}", 100),
            emoji="\u2605" if p.name in favourites else None,
        )
        for p in ordered
    ]
    options += [
        discord.SelectOption(
            label=clip(name, 100), value=f"preset:{name}", description="a style this server keeps"
        )
        for name in presets
    ]
    return options[:_MAX_OPTIONS]


class StyleForm(discord.ui.Modal):
    def __init__(self, token: str, options: list[discord.SelectOption], *, timeout: float) -> None:
        super().__init__(title="Stylize with...", timeout=timeout, custom_id=FORM_PREFIX + token)
        self.token = token
        self.submitted: Submitted | None = None
        self.expired: Callable[[], object] | None = None
        self.style: discord.ui.Select[discord.ui.Modal] = discord.ui.Select(
            custom_id="style",
            placeholder="a painting or a preset (none: four to choose from)",
            required=False,
            options=options,
        )
        self.upload: discord.ui.FileUpload[discord.ui.Modal] = discord.ui.FileUpload(
            custom_id="upload", required=False, max_values=1
        )
        self.strength: discord.ui.TextInput[discord.ui.Modal] = discord.ui.TextInput(
            custom_id="strength",
            required=False,
            max_length=12,
            placeholder="style weight, e.g. 10 (empty: your default)",
        )
        self.add_item(discord.ui.Label(text="Style", component=self.style))
        self.add_item(discord.ui.Label(text="...or upload a style image", component=self.upload))
        self.add_item(discord.ui.Label(text="Strength", component=self.strength))

    async def on_submit(self, interaction: discord.Interaction[Any]) -> None:
        if self.submitted is None:
            return
        style = self.style.values[0] if self.style.values else None
        await self.submitted(
            interaction, self.token, style, list(self.upload.values), self.strength.value
        )

    async def on_timeout(self) -> None:
        if self.expired is not None:
            self.expired()
