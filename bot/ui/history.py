"""A member's history as they see it (``/history``): a page of their recent pictures, newest
first, each with a thumbnail, its styles, its date and buttons (show it, run it again, larger,
delete), and buttons to turn the page; and the ``/forget-me`` confirmation. Buttons carry the
member's id, so they work after a restart and for no one else."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any, Protocol, cast

import discord

from bot.gallery import UnknownStyle, find
from bot.store import HistoryEntry
from bot.ui.views import RebuiltButton, RerunButton

PER_PAGE = 4  # a page's entries: 8 components each, within Discord's 40 per message


class HistoryDesk(Protocol):
    """What the history's buttons call (bot.jobs.history)."""

    async def show_from_button(
        self, job_id: str, owner_id: int, interaction: discord.Interaction
    ) -> None: ...

    async def page_from_button(
        self, owner_id: int, page: int, interaction: discord.Interaction
    ) -> None: ...

    async def delete_from_history(
        self, job_id: str, owner_id: int, page: int, interaction: discord.Interaction
    ) -> None: ...

    async def forget_from_button(
        self, owner_id: int, confirmed: bool, interaction: discord.Interaction
    ) -> None: ...


class _HasHistory(Protocol):
    history: HistoryDesk


def _desk(interaction: discord.Interaction) -> HistoryDesk:
    return cast(_HasHistory, interaction.client).history


@dataclass(frozen=True)
class HistoryPage:
    entries: list[HistoryEntry]
    page: int  # 0-based
    pages: int
    total: int
    thumbnails: dict[str, bytes]  # job id -> JPEG, for entries whose picture is kept
    note: str | None = None  # said above the entries (a page asked for that is not there)


def style_names(entry: HistoryEntry) -> str:
    """The entry's styles in words: a built-in style's title, a preset, an uploaded image."""
    names = []
    for name in entry.styles:
        kind, _, rest = name.partition(" ")
        if kind == "style":
            try:
                names.append(find(rest).title)
                continue
            except UnknownStyle:
                pass
        names.append(re.sub(r"[`*_~|<>@]", "", name)[:60])
    return ", ".join(names) or "no style"


def _line(entry: HistoryEntry) -> str:
    what = "Grid of " if entry.grid else ""
    details = [f"<t:{int(entry.finished_at)}:f>"]
    if entry.size is not None:
        details.append(f"{entry.size[0]}\u00d7{entry.size[1]}")
    if entry.frames:
        details.append(f"{entry.frames} frames")
    details.append(f"job `{entry.job_id}`")
    gone = []
    if not entry.picture_kept:
        gone.append("picture no longer kept")
    if not entry.inputs_kept:
        gone.append("its images are gone: it cannot run again")
    tail = f"\n-# {'; '.join(gone)}" if gone else ""
    joined = " \u00b7 ".join(details)
    return f"**{what}{style_names(entry)}**\n{joined}{tail}"


def history_message(page: HistoryPage, *, owner_id: int, kept_days: float) -> dict[str, Any]:
    """The page's message fields: a view and the thumbnails as files."""
    container: discord.ui.Container[discord.ui.LayoutView] = discord.ui.Container(
        accent_colour=discord.Colour.dark_teal()
    )
    files = []
    if page.total == 0:
        header = (
            "You have no pictures with me yet. When you have, they are here for "
            f"{kept_days:g} days (or until your storage is full, oldest first)."
        )
    else:
        header = (
            f"**Your pictures** \u00b7 page {page.page + 1} of {page.pages} \u00b7 "
            f"{page.total} kept for {kept_days:g} days, newest first. Only you see this."
        )
    if page.note:
        header = f"*{page.note}*\n{header}"
    container.add_item(discord.ui.TextDisplay(header))
    for entry in page.entries:
        text = discord.ui.TextDisplay[discord.ui.LayoutView](_line(entry))
        thumb = page.thumbnails.get(entry.job_id)
        if thumb is not None:
            name = f"h-{entry.job_id}.jpg"
            files.append(discord.File(io.BytesIO(thumb), filename=name))
            container.add_item(
                discord.ui.Section(text, accessory=discord.ui.Thumbnail(f"attachment://{name}"))
            )
        else:
            container.add_item(text)
        row: discord.ui.ActionRow[discord.ui.LayoutView] = discord.ui.ActionRow()
        show = ShowButton(entry.job_id, owner_id)
        show.item.disabled = not entry.picture_kept
        again = RerunButton(entry.job_id, "same")
        larger = RerunButton(entry.job_id, "size")
        again.item.disabled = not entry.inputs_kept
        larger.item.disabled = not entry.inputs_kept or entry.grid
        row.add_item(show)
        row.add_item(again)
        row.add_item(larger)
        row.add_item(ForgetEntryButton(entry.job_id, owner_id, page.page))
        container.add_item(row)
    if page.pages > 1:
        turn: discord.ui.ActionRow[discord.ui.LayoutView] = discord.ui.ActionRow()
        earlier = HistoryPageButton(owner_id, page.page + 1, "Older")
        earlier.item.disabled = page.page + 1 >= page.pages
        later = HistoryPageButton(owner_id, page.page - 1, "Newer")
        later.item.disabled = page.page == 0
        turn.add_item(later)
        turn.add_item(earlier)
        container.add_item(turn)
    view = discord.ui.LayoutView(timeout=None)
    view.add_item(container)
    return {"view": view, "files": files}


def forget_message(owner_id: int, *, queued: int) -> dict[str, Any]:
    """``/forget-me``'s question, with its two buttons."""
    jobs = (
        f"\nYour {queued} job(s) waiting or painting will be **cancelled** first." if queued else ""
    )
    text = (
        "**Erase everything I keep of you?** Your history (pictures and the photos and styles "
        "they were made from), your preferences (`/prefer`) and your remembered style. This "
        f"cannot be undone.{jobs}\nPictures already posted in channels stay there (delete "
        "them with their Delete button); servers' presets and settings are the servers'."
    )
    view = discord.ui.View(timeout=None)
    view.add_item(ForgetButton(owner_id, "yes"))
    view.add_item(ForgetButton(owner_id, "no"))
    return {"content": text, "view": view}


class ShowButton(
    RebuiltButton,
    template=r"stylebot:hshow:(?P<job_id>[0-9a-f]{12}):(?P<owner_id>\d{1,20})",
):
    def __init__(self, job_id: str, owner_id: int | str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Show",
                emoji="\U0001f5bc\ufe0f",
                style=discord.ButtonStyle.primary,
                custom_id=f"stylebot:hshow:{job_id}:{owner_id}",
            )
        )
        self.job_id = job_id
        self.owner_id = int(owner_id)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _desk(interaction).show_from_button(self.job_id, self.owner_id, interaction)


class ForgetEntryButton(
    RebuiltButton,
    template=r"stylebot:hdel:(?P<job_id>[0-9a-f]{12}):(?P<owner_id>\d{1,20}):(?P<page>\d{1,6})",
):
    def __init__(self, job_id: str, owner_id: int | str, page: int | str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Delete",
                emoji="\U0001f5d1\ufe0f",
                style=discord.ButtonStyle.danger,
                custom_id=f"stylebot:hdel:{job_id}:{owner_id}:{page}",
            )
        )
        self.job_id = job_id
        self.owner_id = int(owner_id)
        self.page = int(page)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _desk(interaction).delete_from_history(
            self.job_id, self.owner_id, self.page, interaction
        )


class HistoryPageButton(
    RebuiltButton,
    template=r"stylebot:hist:(?P<owner_id>\d{1,20}):(?P<page>-?\d{1,6})",
):
    def __init__(self, owner_id: int | str, page: int | str, label: str = "Page") -> None:
        super().__init__(
            discord.ui.Button(
                label=label,
                style=discord.ButtonStyle.secondary,
                custom_id=f"stylebot:hist:{owner_id}:{page}",
            )
        )
        self.owner_id = int(owner_id)
        self.page = int(page)

    async def callback(self, interaction: discord.Interaction) -> None:
        await _desk(interaction).page_from_button(self.owner_id, self.page, interaction)


class ForgetButton(
    RebuiltButton,
    template=r"stylebot:forget:(?P<owner_id>\d{1,20}):(?P<answer>yes|no)",
):
    def __init__(self, owner_id: int | str, answer: str) -> None:
        yes = answer == "yes"
        super().__init__(
            discord.ui.Button(
                label="Erase everything" if yes else "Keep it",
                style=discord.ButtonStyle.danger if yes else discord.ButtonStyle.secondary,
                custom_id=f"stylebot:forget:{owner_id}:{answer}",
            )
        )
        self.owner_id = int(owner_id)
        self.confirmed = yes

    async def callback(self, interaction: discord.Interaction) -> None:
        await _desk(interaction).forget_from_button(self.owner_id, self.confirmed, interaction)


HISTORY_BUTTONS = (ShowButton, ForgetEntryButton, HistoryPageButton, ForgetButton)
