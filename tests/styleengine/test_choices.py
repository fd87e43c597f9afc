"""One photo in several paintings at once: each picture the one it is alone, one progress for
the set with the grid as its preview, one cancel for all, and the grid laid out and numbered."""

import threading

import pytest
from PIL import Image

from styleengine import Cancelled, CancelToken, ParamError, StyleParams, stylize
from styleengine.choices import grid_picture, stylize_choices
from tests.styleengine.test_batch import _close

SMALL = StyleParams(size=64, min_size=32, iterations=12)  # two scales
PAINTINGS = ("starry_night", "the_scream", "shipwreck")


@pytest.fixture(scope="module")
def photo(data_dir) -> Image.Image:
    return Image.open(data_dir / "chelsea.jpg").convert("RGB")


@pytest.fixture(scope="module")
def paintings(data_dir) -> list[Image.Image]:
    return [Image.open(data_dir / f"{name}.jpg").convert("RGB") for name in PAINTINGS]


def test_each_choice_is_the_picture_painted_alone_in_that_style(photo, paintings):
    choices = stylize_choices(photo, paintings, SMALL, device="cpu")
    assert len(choices.results) == 3
    for result, painting in zip(choices.results, paintings, strict=True):
        alone = stylize(photo, [painting], SMALL, device="cpu")
        assert result.image.size == alone.image.size
        _close(result, alone, photo, painting)
    # Three different paintings give three different pictures.
    first, second, _ = choices.images
    assert first.tobytes() != second.tobytes()


def test_the_set_reports_as_one_run_with_the_grid_as_preview(photo, paintings):
    reports = []
    stylize_choices(photo, paintings[:2], SMALL, device="cpu", on_progress=reports.append,
                    progress_every=2, preview_every=4, preview_size=96)  # fmt: skip
    iterations = [r.iteration for r in reports]
    assert iterations == sorted(set(iterations)), "one report per step, in order"
    assert iterations[-1] == reports[-1].iterations == 12
    previews = [r.preview for r in reports if r.preview is not None]
    assert previews, "the grid is shown while it is painted"
    # Two tiles side by side (the tiles' long side is half the preview size), numbered.
    tile_w, tile_h = 48, 32  # the 3:2 photo at 48 px
    assert previews[-1].size == (2 * tile_w + 6, tile_h)
    assert all(r.losses["total"] > 0 for r in reports)


def test_one_cancel_stops_every_picture(photo, paintings):
    cancel = CancelToken()
    started = threading.Event()

    def on_progress(progress) -> None:
        started.set()
        cancel.cancel()

    with pytest.raises(Cancelled):
        stylize_choices(photo, paintings, SMALL, device="cpu", on_progress=on_progress,
                        progress_every=1, cancel=cancel)  # fmt: skip
    assert started.is_set()


def test_no_styles_is_refused(photo):
    with pytest.raises(ParamError, match="style"):
        stylize_choices(photo, [], SMALL, device="cpu")


def test_the_grid_numbers_its_tiles_in_reading_order():
    colours = [(200, 30, 30), (30, 200, 30), (30, 30, 200), (200, 200, 30)]
    tiles = [Image.new("RGB", (120, 80), c) for c in colours]
    grid = grid_picture(tiles)
    assert grid.size == (2 * 120 + 6, 2 * 80 + 6)
    for n, colour in enumerate(colours):
        x, y = (n % 2) * 126, (n // 2) * 86
        assert grid.getpixel((x + 110, y + 70)) == colour  # the tile, where no badge is
        badge = grid.crop((x, y, x + 30, y + 30))
        assert (255, 255, 255) in {c for _, c in badge.getcolors(4096) or []}  # the number
    # Five tiles: three columns, two rows; a tile of another size is centred in its cell.
    five = grid_picture([*tiles, Image.new("RGB", (60, 40), (0, 0, 0))])
    assert five.size == (3 * 120 + 12, 2 * 80 + 6)
    assert five.getpixel((126 + 60, 86 + 40)) == (0, 0, 0)
    with pytest.raises(ValueError):
        grid_picture([])
