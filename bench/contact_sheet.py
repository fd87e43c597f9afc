"""Contact sheets: pictures side by side with captions (content | style | ours | reference for
a pair; a pair at several strengths), stacked into one sheet."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from bench.pairs import Row
from styleengine.metrics import Distances

TILE = 240
CAPTION = 52


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):
        return ImageFont.load_default()


def _thumb(image: Image.Image) -> Image.Image:
    scale = TILE / max(image.size)
    size = (round(image.width * scale), round(image.height * scale))
    return image.resize(size, Image.Resampling.LANCZOS)


def captioned_row(items: list[tuple[Image.Image, str]]) -> Image.Image:
    """Pictures side by side in TILE-wide cells, each with a caption of up to three lines."""
    thumbs = [(_thumb(image), caption) for image, caption in items]
    height = max(t.height for t, _ in thumbs)
    row = Image.new("RGB", (len(thumbs) * (TILE + 6) - 6, height + CAPTION), "white")
    draw = ImageDraw.Draw(row)
    for i, (thumb, caption) in enumerate(thumbs):
        x = i * (TILE + 6)
        row.paste(thumb, (x + (TILE - thumb.width) // 2, (height - thumb.height) // 2))
        for j, line in enumerate(caption.splitlines()[:3]):
            draw.text((x + 2, height + 2 + 16 * j), line, fill="black", font=_font(13))
    return row


def _figures(d: Distances) -> str:
    return (
        f"content {d.content:.3f}  style {d.style:.4f}\n"
        f"palette {d.palette:.4f}  structure {d.structure:.4f}\nedges {d.edges:.2f}"
    )


def contact_row(row: Row, ours: Image.Image, reference: Image.Image) -> Image.Image:
    content, style = row.pair.images()
    return captioned_row(
        [
            (content, Path(row.pair.content).stem),
            (style, Path(row.pair.style).stem),
            (ours, "ours: " + _figures(row.ours)),
            (reference, f"{row.reference_name}: " + _figures(row.reference)),
        ]
    )


def stack(rows: list[Image.Image]) -> Image.Image:
    sheet = Image.new("RGB", (max(r.width for r in rows), sum(r.height + 6 for r in rows)), "white")
    y = 0
    for row in rows:
        sheet.paste(row, (0, y))
        y += row.height + 6
    return sheet
