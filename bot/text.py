"""Small helpers for putting text that members typed into the bot's messages."""

from __future__ import annotations


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters, with an ellipsis when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def code(text: str, limit: int = 40) -> str:
    """``text`` made safe to show inside inline code (no backticks), clipped."""
    return clip(text.replace("`", "'"), limit)
