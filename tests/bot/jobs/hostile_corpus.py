"""A corpus of hostile and odd inputs for ``!stylize``: broken files, odd formats, lies about
size and type, absurd flags. Each case says what a member should get: the picture ("done") or
a reply containing a given phrase. Images are made here with Pillow (small, deterministic)."""

from __future__ import annotations

import io
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from PIL import Image, ImageDraw, features

DONE = "done"


@dataclass(frozen=True)
class File:
    name: str
    data: bytes
    content_type: str | None = "image/png"
    declared_size: int | None = None  # what Discord would say the size is, if not len(data)


@dataclass(frozen=True)
class Case:
    name: str
    expect: str  # DONE, or a phrase the refusal contains
    files: tuple[File, ...] = ()  # the content image first; the style is added unless style=False
    text: str = "!stylize"
    style: bool = True
    reply_to_deleted: bool = False
    not_fetched: tuple[str, ...] = ()  # file names that must never be downloaded


def _picture(size: tuple[int, int] = (48, 36), mode: str = "RGB") -> Image.Image:
    image = Image.new("RGB", size, (30, 120, 200))
    draw = ImageDraw.Draw(image)
    draw.rectangle((size[0] // 4, size[1] // 4, size[0] // 2, size[1] // 2), fill=(250, 200, 20))
    draw.line((0, 0, size[0], size[1]), fill=(200, 20, 60), width=3)
    return image.convert(mode) if mode != "RGB" else image


def _save(image: Image.Image, fmt: str, **options: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")


def _bomb_png(width: int, height: int) -> bytes:
    """A valid 1-bit PNG header claiming enormous dimensions, with a tiny compressed body."""
    header = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([1, 0, 0, 0, 0])
    rows = zlib.compress(b"\x00" * (1 + (width + 7) // 8) * 16, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", rows)
        + _png_chunk(b"IEND", b"")
    )


def _exif_rotated() -> bytes:
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90 degrees clockwise to display
    return _save(_picture((48, 24)), "JPEG", exif=exif.tobytes())


def _animated(fmt: str, **options: object) -> bytes:
    frames = [_picture((40, 30)), _picture((40, 30)).rotate(180)]
    return _save(frames[0], fmt, save_all=True, append_images=frames[1:], duration=100,
                 loop=0, **options)  # fmt: skip


def _palette_with_transparency() -> bytes:
    image = _picture().convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    return _save(image, "PNG", transparency=0)


def _cmyk_jpeg() -> bytes:
    return _save(_picture().convert("CMYK"), "JPEG")


def _png16() -> bytes:
    return _save(_picture().convert("I;16"), "PNG")


def _with_huge_text_chunk() -> bytes:
    png = _save(_picture(), "PNG")
    chunk = _png_chunk(b"zTXt", b"comment\x00\x00" + zlib.compress(b"A" * 50_000_000, 9))
    return png[:-12] + chunk + png[-12:]


def _bad_crc() -> bytes:
    png = bytearray(_save(_picture(), "PNG"))
    png[29] ^= 0xFF  # inside the IHDR chunk's CRC
    return bytes(png)


JPEG = _save(_picture(), "JPEG")
PNG = _save(_picture(), "PNG")
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
EPS = (
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 40 30\n0 0 moveto 40 30 lineto stroke\nshowpage\n"
)
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="40"/></svg>'


def _image_cases() -> list[Case]:
    decodable: list[tuple[str, Callable[[], bytes], str]] = [
        ("png_16bit", _png16, "photo.png"),
        ("cmyk_jpeg", _cmyk_jpeg, "photo.jpg"),
        ("palette_transparency", _palette_with_transparency, "photo.png"),
        ("la", lambda: _save(_picture(mode="LA"), "PNG"), "photo.png"),
        ("rgba", lambda: _save(_picture(mode="RGBA"), "PNG"), "photo.png"),
        ("grayscale_jpeg", lambda: _save(_picture(mode="L"), "JPEG"), "photo.jpg"),
        ("one_bit_png", lambda: _save(_picture(mode="1"), "PNG"), "photo.png"),
        ("exif_rotated", _exif_rotated, "photo.jpg"),
        # Animations: painted as clips (tests/bot/commands/test_clips.py has the rest of them).
        ("animated_gif", lambda: _animated("GIF"), "photo.gif"),
        ("animated_webp", lambda: _animated("WEBP"), "photo.webp"),
        ("apng", lambda: _animated("PNG"), "photo.png"),
        ("webp", lambda: _save(_picture(), "WEBP"), "photo.webp"),
        ("tiff", lambda: _save(_picture(), "TIFF"), "photo.tiff"),
        ("bmp", lambda: _save(_picture(), "BMP"), "photo.bmp"),
        ("ico", lambda: _save(_picture((32, 32)), "ICO"), "photo.ico"),
        ("one_by_one", lambda: _save(_picture((1, 1)), "PNG"), "photo.png"),
        ("jpeg_named_png", lambda: JPEG, "photo.png"),
        # A phone's multi-picture JPEG (MPO): taken as the JPEG it is.
        (
            "mpo",
            lambda: _save(_picture(), "MPO", save_all=True, append_images=[_picture()]),
            "photo.jpg",
        ),
    ]
    if features.check("avif"):
        decodable.append(("avif", lambda: _save(_picture(), "AVIF"), "photo.avif"))
    cases = [Case(name, DONE, (File(filename, make()),)) for name, make, filename in decodable]
    refused = [
        ("zero_bytes", File("photo.png", b""), "`photo.png` is an empty file"),
        ("html_named_png", File("photo.png", b"<html><body>hi</body></html>"),
         "`photo.png` is not in an image format that can be read"),
        ("text_named_jpg", File("photo.jpg", b"just some text\n" * 20, "image/jpeg"),
         "`photo.jpg` is not in an image format that can be read"),
        # Pillow reads EPS by running Ghostscript on it: not a format we take.
        ("eps", File("photo.eps", EPS, "application/postscript"),
         "`photo.eps` is not in an image format that can be read"),
        ("eps_named_png", File("photo.png", EPS),
         "`photo.png` is not in an image format that can be read"),
        ("truncated_jpeg", File("photo.jpg", JPEG[: len(JPEG) // 2], "image/jpeg"),
         "`photo.jpg` is damaged or truncated"),
        ("truncated_png", File("photo.png", PNG[: len(PNG) // 2]),
         "`photo.png` is damaged or truncated"),
        ("decompression_bomb", File("photo.png", _bomb_png(60_000, 60_000)),
         "`photo.png` is too large to decode safely"),
        ("extreme_aspect", File("photo.png", _save(_picture((10_000, 10)), "PNG")),
         "`photo.png` is too narrow: 10000x10 has an aspect ratio over 20:1"),
        ("heic", File("photo.heic", HEIC, "image/heic"),
         "`photo.heic` is not in an image format that can be read"),
        ("svg", File("photo.svg", SVG, "image/svg+xml"),
         "`photo.svg` is not in an image format that can be read"),
        ("bad_crc", File("photo.png", _bad_crc()),
         "`photo.png` is not in an image format that can be read"),
        ("huge_text_chunk", File("photo.png", _with_huge_text_chunk()),
         "`photo.png` is damaged or truncated"),
        ("gif_header_then_html", File("photo.gif", b"GIF89a" + b"<script>x</script>" * 10,
                                      "image/gif"),
         "`photo.gif` is not in an image format that can be read"),
        ("lying_content_type_text", File("photo.png", b"%PDF-1.4 not an image", "image/png"),
         "`photo.png` is not in an image format that can be read"),
    ]  # fmt: skip
    cases += [Case(name, expect, (file,)) for name, file, expect in refused]
    cases.append(
        Case("lying_content_type_image", DONE, (File("photo.pdf", PNG, "application/pdf"),))
    )
    cases.append(
        Case(
            "over_the_size_cap",
            "`huge.png` is 50.0 MB; the limit is",
            (File("huge.png", PNG, declared_size=50 * 2**20),),
            not_fetched=("huge.png",),
        )
    )
    cases.append(
        Case("broken_style_image", "`style.png` is damaged or truncated",
             (File("photo.png", PNG), File("style.png", PNG[: len(PNG) // 2])), style=False)
    )  # fmt: skip
    return cases


def _request_cases() -> list[Case]:
    photo = (File("photo.png", PNG),)
    many = tuple(File(f"image{n}.png", PNG) for n in range(5))
    long_text = "!stylize " + " ".join(["--seed 1"] * 250)
    flag_cases = [
        ("negative_size", "!stylize --size -5", "--size: '-5' is not from 16 to 4096"),
        ("nan_weight", "!stylize --style-weight nan", "must be a finite number"),
        ("inf_weight", "!stylize --content-weight inf", "must be a finite number"),
        ("huge_iterations", "!stylize --iterations 1e308",
         "--iterations: '1e308' is not from 1 to 10000"),
        ("unknown_flag", "!stylize --sharpness 3", "`--sharpness` is not an option"),
        ("shell_injection", '!stylize --size "512; rm -rf /"', "not a number"),
        ("sql_injection", "!stylize --preserve-color \"'; DROP TABLE jobs;--\"",
         "one of none, luminance, histogram"),
        ("subshell", "!stylize --seed $(reboot)", "not a number"),
        ("unbalanced_quote", '!stylize --seed "7', "could not read the options"),
        ("very_long_message", long_text, "is given twice"),
        ("unicode_flag", "!stylize --\U0001f3a8 1", "is not an option"),
        ("unicode_value", "!stylize --preserve-color l\u00fcminance", "one of none, luminance"),
        ("mention_value", "!stylize --size @everyone", "not a number"),
        ("missing_preset", "!stylize --preset nosuch", "There is no style preset `nosuch`"),
    ]  # fmt: skip
    cases = [Case(name, expect, photo, text=text) for name, text, expect in flag_cases]
    cases += [
        Case("no_attachments", "I found no image", (), style=False),
        Case("one_image_bad_flag", "not a number", photo, text="!stylize --seed x", style=False),
        Case("too_many_attachments", "at most 3 style images", many, style=False),
        Case("reply_to_deleted", "The message you replied to was deleted", (),
             reply_to_deleted=True),
        Case("fullwidth_digits", DONE, photo, text="!stylize --size \uff13\uff12"),
    ]  # fmt: skip
    return cases


def corpus() -> list[Case]:
    return _image_cases() + _request_cases()
