"""Buttons on the bot's messages. Their custom_ids carry the job id (namespaced ``stylebot:``),
so they keep working after a restart: discord.py matches them by template, not by memory."""

from __future__ import annotations

import re
from typing import Any, Protocol, cast

import discord

RERUN_CHANGES = {  # the card's re-run buttons
    "style": ("More style", "\U0001f3a8"),
    "content": ("More content", "\U0001f5bc\ufe0f"),
    "size": ("Larger", "\U0001f50d"),
}
# Every re-run a button may ask for: the card's, and the history's "Run again" (unchanged).
RERUNS = {**RERUN_CHANGES, "same": ("Run again", "\U0001f501")}


class JobButtons(Protocol):
    """What the buttons call (bot.jobs.buttons)."""

    async def cancel_from_button(self, job_id: str, interaction: discord.Interaction) -> None: ...

    async def cancel_waiting_from_button(
        self, channel_id: int, interaction: discord.Interaction
    ) -> None: ...

    async def rerun_from_button(
        self, job_id: str, change: str, interaction: discord.Interaction
    ) -> None: ...

    async def info_from_button(self, job_id: str, interaction: discord.Interaction) -> None: ...

    async def delete_from_button(
        self, job_id: str, owner_id: int, interaction: discord.Interaction
    ) -> None: ...

    async def pick_from_button(
        self, job_id: str, tile: int, owner_id: int, interaction: discord.Interaction
    ) -> None: ...

    async def more_from_button(
        self, job_id: str, owner_id: int, interaction: discord.Interaction
    ) -> None: ...


class _HasJobButtons(Protocol):
    buttons: JobButtons


def _buttons(interaction: discord.Interaction) -> JobButtons:
    return cast(_HasJobButtons, interaction.client).buttons


class RebuiltButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"(?!)",  # a base: only its subclasses' templates are registered
):
    """A button rebuilt from its custom id after a restart: the named groups of its template
    are its constructor's arguments."""

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction,
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> RebuiltButton:
        rebuild: Any = cls  # each subclass's own constructor takes the template's groups
        return rebuild(**match.groupdict())  # type: ignore[no-any-return]


class CancelButton(
    RebuiltButton,
    template=r"stylebot:cancel:(?P<job_id>[0-9a-f]{12})",
):
    def __init__(self, job_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Cancel",
                style=discord.ButtonStyle.danger,
                custom_id=f"stylebot:cancel:{job_id}",
            )
        )
        self.job_id = job_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _buttons(interaction).cancel_from_button(self.job_id, interaction)


class CancelMineButton(
    RebuiltButton,
    template=r"stylebot:board-cancel:(?P<channel_id>[0-9]{1,20})",
):
    """On a crowded channel's board: cancels the clicking member's requests waiting there."""

    def __init__(self, channel_id: str | int) -> None:
        super().__init__(
            discord.ui.Button(
                label="Cancel mine",
                style=discord.ButtonStyle.secondary,
                custom_id=f"stylebot:board-cancel:{channel_id}",
            )
        )
        self.channel_id = int(channel_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _buttons(interaction).cancel_waiting_from_button(self.channel_id, interaction)


class RerunButton(
    RebuiltButton,
    template=r"stylebot:again:(?P<job_id>[0-9a-f]{12}):(?P<change>style|content|size|same)",
):
    def __init__(self, job_id: str, change: str) -> None:
        label, emoji = RERUNS[change]
        super().__init__(
            discord.ui.Button(
                label=label,
                emoji=emoji,
                style=discord.ButtonStyle.secondary,
                custom_id=f"stylebot:again:{job_id}:{change}",
            )
        )
        self.job_id = job_id
        self.change = change

    async def callback(self, interaction: discord.Interaction) -> None:
        await _buttons(interaction).rerun_from_button(self.job_id, self.change, interaction)


class InfoButton(
    RebuiltButton,
    template=r"stylebot:info:(?P<job_id>[0-9a-f]{12})",
):
    def __init__(self, job_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Info",
                emoji="\u2139\ufe0f",
                style=discord.ButtonStyle.secondary,
                custom_id=f"stylebot:info:{job_id}",
            )
        )
        self.job_id = job_id

    async def callback(self, interaction: discord.Interaction) -> None:
        await _buttons(interaction).info_from_button(self.job_id, interaction)


class DeleteButton(
    RebuiltButton,
    template=r"stylebot:delete:(?P<job_id>[0-9a-f]{12}):(?P<owner_id>\d{1,20})",
):
    """Deletes the card; the owner is in the custom id, so it works after the job is swept."""

    def __init__(self, job_id: str, owner_id: int | str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Delete",
                emoji="\U0001f5d1\ufe0f",
                style=discord.ButtonStyle.danger,
                custom_id=f"stylebot:delete:{job_id}:{owner_id}",
            )
        )
        self.job_id = job_id
        self.owner_id = int(owner_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _buttons(interaction).delete_from_button(self.job_id, self.owner_id, interaction)


class PickButton(
    RebuiltButton,
    template=r"stylebot:pick:(?P<job_id>[0-9a-f]{12}):(?P<tile>[1-9]):(?P<owner_id>\d{1,20})",
):
    """Paints tile ``tile`` of a grid at its member's size; its label starts with the number."""

    def __init__(self, job_id: str, tile: int | str, owner_id: int | str, name: str = "") -> None:
        label = f"{tile} \u00b7 {name}" if name else str(tile)
        super().__init__(
            discord.ui.Button(
                label=label[:80],
                style=discord.ButtonStyle.primary,
                custom_id=f"stylebot:pick:{job_id}:{tile}:{owner_id}",
            )
        )
        self.job_id = job_id
        self.tile = int(tile)
        self.owner_id = int(owner_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _buttons(interaction).pick_from_button(
            self.job_id, self.tile, self.owner_id, interaction
        )


class MoreButton(
    RebuiltButton,
    template=r"stylebot:more:(?P<job_id>[0-9a-f]{12}):(?P<owner_id>\d{1,20})",
):
    """A grid of the next four styles for the same photo."""

    def __init__(self, job_id: str, owner_id: int | str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Four more styles",
                emoji="\U0001f500",
                style=discord.ButtonStyle.secondary,
                custom_id=f"stylebot:more:{job_id}:{owner_id}",
            )
        )
        self.job_id = job_id
        self.owner_id = int(owner_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _buttons(interaction).more_from_button(self.job_id, self.owner_id, interaction)


def grid_view(job_id: str, owner_id: int, names: list[str]) -> discord.ui.View:
    """The grid's buttons for a plain message (the card has them in its container)."""
    view = discord.ui.View(timeout=None)
    for tile, name in enumerate(names, start=1):
        view.add_item(PickButton(job_id, tile, owner_id, name))
    view.add_item(MoreButton(job_id, owner_id))
    return view


def cancel_view(job_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CancelButton(job_id))
    return view


def board_view(channel_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(CancelMineButton(channel_id))
    return view


def result_view(job_id: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for change in RERUN_CHANGES:
        view.add_item(RerunButton(job_id, change))
    return view
