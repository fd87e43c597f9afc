"""Small pictures the bot's messages show: thumbnails of styles and a before/after comparison.

Pillow (and PyAV for a video's first frame) only: the bot behind a broker has no torch;
callers run these off the event loop.
"""

from __future__ import annotations

import io

from PIL import Image, ImageDraw, ImageOps

from styleengine.clips import first_frame, is_animated
from styleengine.images import jpeg_bytes

THUMBNAIL_PX = 320
_QUALITY = 88  # JPEG quality of the thumbnails and the comparison
_GAP = 8
_LABEL_HEIGHT = 28


def thumbnail(data: bytes, *, max_px: int = THUMBNAIL_PX) -> bytes:
    """``data`` (any image Pillow reads, or a clip: its first frame) as a JPEG at most
    ``max_px`` on its long side."""
    image = _opened(data)
    image.thumbnail((max_px, max_px), Image.Resampling.LANCZOS)
    return jpeg_bytes(image, quality=_QUALITY)


def before_after(before: bytes, after: bytes, *, height: int = 512) -> bytes:
    """The content photo and the result side by side at one height, labelled, as a JPEG."""
    left = _at_height(_opened(before), height)
    right = _at_height(_opened(after), height)
    width = left.width + _GAP + right.width
    sheet = Image.new("RGB", (width, height + _LABEL_HEIGHT), (32, 34, 37))
    sheet.paste(left, (0, _LABEL_HEIGHT))
    sheet.paste(right, (left.width + _GAP, _LABEL_HEIGHT))
    draw = ImageDraw.Draw(sheet)
    for text, x in (("before", 6), ("after", left.width + _GAP + 6)):
        draw.text((x, 7), text, fill=(235, 235, 235))
    return jpeg_bytes(sheet, quality=_QUALITY)


def _opened(data: bytes) -> Image.Image:
    """A picture upright in RGB; a clip's first frame."""
    if is_animated(data):
        return first_frame(data)
    with Image.open(io.BytesIO(data)) as opened:
        return ImageOps.exif_transpose(opened).convert("RGB")


def _at_height(image: Image.Image, height: int) -> Image.Image:
    width = max(1, round(image.width * height / image.height))
    return image.resize((width, height), Image.Resampling.LANCZOS)
