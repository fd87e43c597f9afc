"""One photo in several paintings at once, for a member to choose from: :func:`stylize_choices`
paints a picture per style in one batched optimisation, :func:`grid_picture` lays them out in a
numbered grid.

The pictures share the photo, the pyramid and the network, so they are one batch of
:func:`~styleengine.batch.stylize_batch` (each with its own style targets, losses and
normalisation): every iteration runs VGG19 once for all of them. Progress comes as one report
for the whole set, its preview the grid of the pictures so far.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace

import torch
from PIL import Image, ImageDraw, ImageFont

from styleengine import batch
from styleengine.batch import Picture
from styleengine.errors import Cancelled
from styleengine.images import DEFAULT_MAX_PIXELS, ImageInput
from styleengine.params import ParamError, StyleParams
from styleengine.progress import CancelToken, Listener, Progress, ProgressCallback
from styleengine.run import Result

GAP = 6  # pixels between the tiles of a grid
BADGE = 0.16  # a tile's number badge, as a share of its short side (at least 16 px)


@dataclass(frozen=True)
class Choices:
    """The pictures of :func:`stylize_choices`, in the order of the styles given."""

    results: tuple[Result, ...]

    @property
    def images(self) -> list[Image.Image]:
        return [r.image for r in self.results]

    @property
    def elapsed(self) -> float:
        return max(r.elapsed for r in self.results)

    @property
    def device(self) -> str:
        return self.results[0].device

    @property
    def precision(self) -> str:
        return self.results[0].precision

    def grid(self, *, columns: int = 2) -> Image.Image:
        return grid_picture(self.images, columns=columns)


def stylize_choices(
    content: ImageInput,
    styles: Sequence[ImageInput],
    params: StyleParams | None = None,
    *,
    device: str | torch.device | None = None,
    on_progress: ProgressCallback | None = None,
    progress_every: int = 10,
    preview_every: int = 0,
    preview_size: int = 256,
    cancel: CancelToken | None = None,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> Choices:
    """Paint ``content`` once in each of ``styles`` (one painting each), as one batch.

    ``on_progress`` hears the set as one run (its iterations are each picture's, which go in
    lockstep; its preview, every ``preview_every`` iterations, the grid of the pictures so far,
    long side about ``preview_size``). Raises as :func:`~styleengine.engine.stylize` does;
    a picture that fails fails the set (:class:`Cancelled` when ``cancel`` is set)."""
    if not styles:
        raise ParamError("styles", "at least one style image is needed")
    params = params or StyleParams()
    cancel = cancel or CancelToken()
    gather = _Gather(len(styles), on_progress)
    tile_preview = max(16, preview_size // _columns(len(styles)))
    pictures = [
        Picture(
            content,
            [style],
            params,
            listener=Listener(
                gather.tile(n) if on_progress is not None else None,
                progress_every,
                preview_every,
                tile_preview,
                cancel,
            ),
        )
        for n, style in enumerate(styles)
    ]
    outcomes = batch.stylize_batch(pictures, device=device, max_pixels=max_pixels)
    failures = [o for o in outcomes if isinstance(o, Exception)]
    if failures:
        cancelled = [f for f in failures if isinstance(f, Cancelled)]
        raise cancelled[0] if cancelled and cancel.cancelled else failures[0]
    return Choices(tuple(o for o in outcomes if isinstance(o, Result)))


def _columns(count: int) -> int:
    """Columns of a grid of ``count``: 2 for up to four, then as square as it goes."""
    columns = 1
    while columns * columns < count:
        columns += 1
    return columns


class _Gather:
    """The tiles' reports as one: a report goes out when every tile has reached an iteration
    (in lockstep they arrive one after another), with the grid of their latest previews."""

    def __init__(self, count: int, on_progress: ProgressCallback | None) -> None:
        self.on_progress = on_progress
        self.latest: list[Progress | None] = [None] * count
        self.previews: list[Image.Image | None] = [None] * count
        self.sent = 0  # the iteration last reported
        self.lock = threading.Lock()

    def tile(self, n: int) -> ProgressCallback:
        def report(progress: Progress) -> None:
            self._report(n, progress)

        return report

    def _report(self, n: int, progress: Progress) -> None:
        with self.lock:
            self.latest[n] = progress
            if progress.preview is not None:
                self.previews[n] = progress.preview
            reached = [p.iteration if p is not None else 0 for p in self.latest]
            if min(reached) <= self.sent:
                return
            self.sent = min(reached)
            preview = None
            if progress.preview is not None and all(p is not None for p in self.previews):
                preview = grid_picture([p for p in self.previews if p is not None])
            losses = [p.losses for p in self.latest if p is not None]
            mean = {k: sum(lo.get(k, 0.0) for lo in losses) / len(losses) for k in losses[0]}
            combined = replace(progress, iteration=self.sent, losses=mean, preview=preview)
        assert self.on_progress is not None
        self.on_progress(combined)


def grid_picture(tiles: Sequence[Image.Image], *, columns: int | None = None) -> Image.Image:
    """``tiles`` in rows of ``columns`` (2 for up to four), each with its number (1, 2, ...) in
    a badge at its top left corner, on a dark ground; tiles of different sizes are centred in
    cells of the largest."""
    if not tiles:
        raise ValueError("a grid needs at least one picture")
    columns = columns or _columns(len(tiles))
    rows = -(-len(tiles) // columns)
    cell_w = max(t.width for t in tiles)
    cell_h = max(t.height for t in tiles)
    sheet = Image.new(
        "RGB",
        (columns * cell_w + (columns - 1) * GAP, rows * cell_h + (rows - 1) * GAP),
        (24, 24, 28),
    )
    for n, tile in enumerate(tiles):
        row, column = divmod(n, columns)
        x = column * (cell_w + GAP) + (cell_w - tile.width) // 2
        y = row * (cell_h + GAP) + (cell_h - tile.height) // 2
        sheet.paste(tile.convert("RGB"), (x, y))
        _badge(sheet, (x, y), n + 1, min(tile.size))
    return sheet


def _badge(sheet: Image.Image, corner: tuple[int, int], number: int, side: int) -> None:
    size = max(16, round(side * BADGE))
    margin = max(3, size // 5)
    x, y = corner[0] + margin, corner[1] + margin
    draw = ImageDraw.Draw(sheet)
    draw.ellipse((x, y, x + size, y + size), fill=(20, 20, 24), outline=(255, 255, 255),
                 width=max(1, size // 12))  # fmt: skip
    font = ImageFont.load_default(size=round(size * 0.62))
    draw.text((x + size / 2, y + size / 2), str(number), fill=(255, 255, 255), font=font,
              anchor="mm")  # fmt: skip
