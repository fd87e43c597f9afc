import io
import struct
import zlib

import pytest
from PIL import Image

from styleengine.images import ImageError, encode_image, fit_long_side, load_image, save_image


def _bytes(image: Image.Image, fmt: str, **kwargs) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def _png_with_header_size(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims enormous dimensions (a decompression bomb's shape)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
        + struct.pack(">I", 0)
        + b"IEND"
        + struct.pack(">I", zlib.crc32(b"IEND"))
    )


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (b"<html><body>not a picture</body></html>", "image format"),
        (b"hello world, this is plain text named cat.png", "image format"),
        (_png_with_header_size(100_000, 100_000), "too large"),
        (_png_with_header_size(10_000, 10), "too narrow"),
    ],
)
def test_bad_bytes_give_one_clear_error(data, fragment):
    with pytest.raises(ImageError, match=fragment):
        load_image(data)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_truncated_files_are_reported(fmt, data_dir):
    whole = _bytes(Image.open(data_dir / "chelsea.jpg"), fmt)
    with pytest.raises(ImageError, match=r"damaged or truncated|cannot be read"):
        load_image(whole[: len(whole) // 2])


def test_missing_path(tmp_path):
    with pytest.raises(ImageError, match="not found"):
        load_image(tmp_path / "nope.png")


def test_alpha_is_composited_on_white():
    rgba = Image.new("RGBA", (4, 4), (255, 0, 0, 0))
    assert load_image(_bytes(rgba, "PNG")).getpixel((0, 0)) == (255, 255, 255)
    la = Image.new("LA", (4, 4), (0, 255))
    assert load_image(_bytes(la, "PNG")).getpixel((0, 0)) == (0, 0, 0)


def test_palette_with_transparency():
    p = Image.new("P", (4, 4), 1)
    p.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    p.info["transparency"] = 0
    assert load_image(_bytes(p, "PNG", transparency=0)).getpixel((0, 0)) == (0, 255, 0)


def test_sixteen_bit_png_is_scaled_not_clipped():
    wide = Image.new("I;16", (4, 4), 32768)
    r, g, b = load_image(_bytes(wide, "PNG")).getpixel((0, 0))
    assert r == g == b and 126 <= r <= 130


def test_cmyk_jpeg_decodes_to_rgb():
    cmyk = Image.new("CMYK", (8, 8), (0, 255, 255, 0))  # red in CMYK
    r, g, b = load_image(_bytes(cmyk, "JPEG")).getpixel((4, 4))
    assert r > 200 and g < 60 and b < 60


def test_exif_orientation_is_applied():
    image = Image.new("RGB", (20, 10), "white")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise on display
    assert load_image(_bytes(image, "JPEG", exif=exif)).size == (10, 20)


def test_animated_gif_uses_the_first_frame():
    frames = [Image.new("RGB", (8, 8), c) for c in ("red", "blue")]
    data = _bytes(frames[0], "GIF", save_all=True, append_images=frames[1:])
    r, _g, b = load_image(data).getpixel((4, 4))
    assert r > 200 and b < 50


def test_encode_falls_back_to_a_lossy_format_to_fit_a_byte_limit(data_dir):
    image = load_image(data_dir / "chelsea.jpg")
    png = encode_image(image)
    assert png.format == "png"
    small = encode_image(image, max_bytes=len(png.data) // 4)
    assert small.format in {"webp", "jpeg"} and len(small.data) <= len(png.data) // 4
    assert Image.open(io.BytesIO(small.data)).size == small.size


def test_encode_shrinks_when_quality_alone_does_not_fit(data_dir):
    image = load_image(data_dir / "chelsea.jpg")
    tiny = encode_image(image, max_bytes=2000)
    assert len(tiny.data) <= 2000 and tiny.size[0] < image.size[0]


def test_save_picks_the_format_from_the_extension(tmp_path, data_dir):
    image = load_image(data_dir / "coffee.jpg")
    path = save_image(image, tmp_path / "out.webp")
    assert Image.open(path).format == "WEBP"


def test_fit_long_side():
    assert fit_long_side((256, 170), 64) == (64, 42)
    assert fit_long_side((170, 256), 64) == (42, 64)
