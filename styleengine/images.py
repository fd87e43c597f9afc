"""Decode, validate, resize and encode images with Pillow (no torch: front ends use it too)."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

ImageInput = Image.Image | bytes | str | Path | BinaryIO

DEFAULT_MAX_PIXELS = 40_000_000  # a 40 MP photo decodes; a decompression bomb does not
DEFAULT_MAX_ASPECT = 20.0


# The formats an input may be in: what cameras, phones, browsers and Discord make (JPEG takes
# the multi-picture JPEGs of phones too). Pillow knows many more, and hands some of them to
# other programs (an EPS file runs Ghostscript): those are refused as unreadable.
INPUT_FORMATS = ("PNG", "JPEG", "GIF", "WEBP", "TIFF", "BMP", "ICO", "AVIF")


class ImageError(ValueError):
    """An input is not a usable image; the message says what is wrong with it."""


def load_image(
    source: ImageInput,
    *,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    max_aspect: float = DEFAULT_MAX_ASPECT,
    name: str = "image",
) -> Image.Image:
    """Decode ``source`` into an RGB image, EXIF orientation applied, first frame of animations.

    Raises :class:`ImageError` for empty, truncated, corrupt or non-image data, for images
    over ``max_pixels`` (checked from the header, before decoding) and for extreme aspect ratios.
    """
    image = source if isinstance(source, Image.Image) else _open(source, name)
    width, height = image.size
    if width < 1 or height < 1:
        raise ImageError(f"{name} has no pixels")
    if width * height > max_pixels:
        raise ImageError(
            f"{name} is too large: {width}x{height} is over {max_pixels / 1e6:g} megapixels"
        )
    if max(width, height) / min(width, height) > max_aspect:
        raise ImageError(
            f"{name} is too narrow: {width}x{height} has an aspect ratio over {max_aspect:g}:1"
        )
    try:
        image.seek(0)
        image.load()
        image = ImageOps.exif_transpose(image)
        return to_rgb(image)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise ImageError(f"{name} is damaged or truncated ({exc})") from exc


def peek_size(source: bytes, name: str = "image") -> tuple[int, int]:
    """(width, height) from the header alone, nothing decoded; :class:`ImageError` for what
    :func:`load_image` would refuse to open."""
    with _open(source, name) as image:
        return image.size


def _open(source: bytes | str | Path | BinaryIO, name: str) -> Image.Image:
    if isinstance(source, bytes):
        if not source:
            raise ImageError(f"{name} is an empty file")
        source = io.BytesIO(source)
    elif isinstance(source, str | Path):
        path = Path(source)
        if not path.is_file():
            raise ImageError(f"{name} not found: {path}")
        if path.stat().st_size == 0:
            raise ImageError(f"{name} is an empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            Image.init()  # every plugin registered, so that the names below are known
            return Image.open(source, formats=INPUT_FORMATS)
    except UnidentifiedImageError as exc:
        raise ImageError(f"{name} is not in an image format that can be read") from exc
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageError(f"{name} is too large to decode safely") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{name} is damaged or truncated ({exc})") from exc


def to_rgb(image: Image.Image) -> Image.Image:
    """``image`` as RGB: transparency flattened on white, wide greyscale brought to 8 bits."""
    mode = image.mode
    if mode == "RGB":
        return image
    if mode.startswith("I") or mode == "F":
        return _wide_to_rgb(image)
    if mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif mode in {"LA", "La", "PA", "RGBa"}:
        image = image.convert("RGBA")
    if image.mode == "RGBA":
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, image).convert("RGB")
    return image.convert("RGB")


def _wide_to_rgb(image: Image.Image) -> Image.Image:
    """16-bit and 32-bit greyscale to 8-bit by the range of the format, not by clipping."""
    array = np.asarray(image).astype(np.float32)  # 4 bytes a pixel: 160 MB for 40 MP
    if image.mode.startswith("I;16") or (image.mode == "I" and array.max(initial=0) > 255):
        array = array / (65535.0 if array.max(initial=0) <= 65535 else array.max())
    elif image.mode == "F":
        top = array.max(initial=0)
        array = array / top if top > 1 else array
    else:
        array = array / 255.0
    grey = Image.fromarray((array.clip(0, 1) * 255 + 0.5).astype(np.uint8), "L")
    return grey.convert("RGB")


def fit_long_side(size: tuple[int, int], long_side: int) -> tuple[int, int]:
    """(width, height) scaled so that the longer side is ``long_side``, at least 1 px each."""
    width, height = size
    scale = long_side / max(width, height)
    return max(1, round(width * scale)), max(1, round(height * scale))


def same_pixels(size: tuple[int, int], pixels: float, min_side: int = 1) -> tuple[int, int]:
    """``size`` scaled (aspect kept) to about ``pixels`` pixels, its short side at least
    ``min_side``."""
    width, height = size
    scale = max((pixels / (width * height)) ** 0.5, min_side / min(width, height))
    return max(1, round(width * scale)), max(1, round(height * scale))


def resize(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    if image.size == size:
        return image
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


@dataclass(frozen=True)
class EncodedImage:
    data: bytes
    format: str  # "png", "webp" or "jpeg"; a clip (styleengine.clip_writer): "gif", "webp", "mp4"
    size: tuple[int, int]

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "jpeg" else self.format


def encode_image(
    image: Image.Image, *, max_bytes: int | None = None, prefer: str = "png"
) -> EncodedImage:
    """PNG (or ``prefer``) when it fits ``max_bytes``; else WebP, then JPEG at falling quality;
    past that, smaller dimensions. Raises :class:`ImageError` if nothing fits."""
    if max_bytes is not None and max_bytes < 1024:
        raise ImageError(f"a byte limit of {max_bytes} is too small for any image")
    current = image
    while True:
        for fmt, quality in _attempts(prefer):
            data = _encode(current, fmt, quality)
            if max_bytes is None or len(data) <= max_bytes:
                return EncodedImage(data, fmt, current.size)
        if max_bytes is None or min(current.size) <= 16:
            raise ImageError(f"cannot encode the image within {max_bytes} bytes")
        current = resize(current, (round(current.width * 0.75), round(current.height * 0.75)))


def _attempts(prefer: str) -> list[tuple[str, int]]:
    lossy = [("webp", q) for q in (95, 85)] + [("jpeg", q) for q in (92, 85, 75, 60)]
    if prefer == "png":
        return [("png", 0), *lossy]
    return [(prefer, 95), *[a for a in lossy if a[0] != prefer or a[1] < 95]]


def _encode(image: Image.Image, fmt: str, quality: int) -> bytes:
    buffer = io.BytesIO()
    if fmt == "png":
        image.save(buffer, "PNG", optimize=True)
    elif fmt == "webp":
        image.save(buffer, "WEBP", quality=quality, method=4)
    else:
        image.save(
            buffer, "JPEG", quality=quality, optimize=True, subsampling=0 if quality >= 90 else 2
        )
    return buffer.getvalue()


def jpeg_bytes(image: Image.Image, *, quality: int) -> bytes:
    """``image`` as a plain JPEG: for previews and thumbnails, where small beats exact."""
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def save_image(image: Image.Image, path: str | Path, *, max_bytes: int | None = None) -> Path:
    """Write ``image`` to ``path`` in the format its extension names (PNG when unknown)."""
    path = Path(path)
    fmt = {".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp"}.get(path.suffix.lower(), "png")
    encoded = encode_image(image, max_bytes=max_bytes, prefer=fmt)
    if encoded.format != fmt:
        path = path.with_suffix("." + encoded.extension)
    path.write_bytes(encoded.data)
    return path
