"""Pictures painted as one batch: each the picture it is alone, each with its own settings,
progress and cancel, and none lost to its neighbours' failures."""

import pytest
import torch
from PIL import Image

from styleengine import (
    Cancelled,
    CancelToken,
    ImageError,
    Listener,
    Picture,
    StyleParams,
    batch_key,
    stylize,
    stylize_batch,
)
from styleengine.device import simulated_faults
from styleengine.metrics import Evaluator
from tests.styleengine.samples import samples

SMALL = StyleParams(size=96, min_size=48, iterations=24)  # two scales: 48 and 96 px
SHAPE = (96, 64)


@pytest.fixture(scope="module")
def images(data_dir) -> dict[str, Image.Image]:
    return samples(data_dir, SHAPE)


# How far the yardstick moves when nothing but rounding differs: a start image changed by 1e-6
# moved the style distance by 3.1 % at 96 px and 3.4 % at 256 px (fp32, AMX CPU), since L-BFGS
# without a line search follows the rounding of its first steps into another nearby optimum.
# A batched convolution rounds differently from a single one, so a picture of a batch is
# held to that, and to the losses of its optimisation, which agree far closer.
YARDSTICK_NOISE = 0.05


def _close(a, b, content: Image.Image, style: Image.Image) -> None:
    """Results ``a`` and ``b`` are the same picture up to rounding: the same objective step by
    step (to 1e-4 until rounding shows, within 2 % at the end), and every yardstick distance
    within its noise."""
    assert a.history[:5] == pytest.approx(b.history[:5], rel=1e-4)
    assert a.history[-1] == pytest.approx(b.history[-1], rel=0.02)
    judge = Evaluator(size=128)
    da, db = judge.distances(a.image, content, style), judge.distances(b.image, content, style)
    assert da.content == pytest.approx(db.content, rel=YARDSTICK_NOISE)
    assert da.style == pytest.approx(db.style, rel=YARDSTICK_NOISE)
    assert da.edges == pytest.approx(db.edges, rel=YARDSTICK_NOISE)


def test_each_picture_of_a_batch_is_the_one_it_is_alone(images, batches):
    # Different paintings, weights, colour modes and a mask: all their own, in one batch.
    mask = Image.new("L", SHAPE, 0)
    mask.paste(255, (0, 0, SHAPE[0] // 2, SHAPE[1]))
    pictures = [
        Picture(images["chelsea"], [images["starry_night"]], SMALL),
        Picture(images["coffee"], [images["the_scream"]],
                SMALL.replace(style_weight=20.0, preserve_color="luminance")),
        Picture(images["coffee"], [images["starry_night"], images["the_scream"]],
                SMALL.replace(style_blend=(0.7, 0.3)), mask=mask),
    ]  # fmt: skip
    assert len({batch_key(p.params, SHAPE) for p in pictures}) == 1
    together = stylize_batch(pictures)
    assert batches == [3]
    for picture, result in zip(pictures, together, strict=True):
        assert not isinstance(result, Exception)
        alone = stylize(picture.content, picture.styles, picture.params, mask=picture.mask)
        assert result.image.size == alone.image.size == SHAPE
        assert result.iterations == alone.iterations == SMALL.iterations
        assert len(result.history) == SMALL.iterations
        _close(result, alone, picture.content, picture.styles[0])
    # The mask kept the photo where it is black.
    right = together[2].image.crop((SHAPE[0] // 2 + 4, 0, SHAPE[0], SHAPE[1]))
    photo = images["coffee"].crop((SHAPE[0] // 2 + 4, 0, SHAPE[0], SHAPE[1]))
    assert right.tobytes() == photo.tobytes()


def test_adam_batches_too(images, batches):
    params = SMALL.replace(optimizer="adam", iterations=12)
    pictures = [Picture(images[c], [images["starry_night"]], params) for c in ("chelsea", "coffee")]
    together = stylize_batch(pictures)
    assert batches == [2]
    alone = stylize(images["coffee"], [images["starry_night"]], params)
    assert not isinstance(together[1], Exception)
    _close(together[1], alone, images["coffee"], images["starry_night"])


def test_pictures_batch_only_with_their_kind(images, batches):
    tall = images["chelsea"].resize((64, 96))
    pictures = [
        Picture(images["chelsea"], [images["starry_night"]], SMALL),
        Picture(tall, [images["starry_night"]], SMALL),  # another shape
        Picture(images["coffee"], [images["starry_night"]], SMALL.replace(iterations=30)),
        Picture(images["coffee"], [images["the_scream"]], SMALL),
    ]
    outcomes = stylize_batch(pictures)
    assert sorted(batches) == [1, 1, 2]
    assert [o.image.size for o in outcomes if not isinstance(o, Exception)] == [
        SHAPE,
        (64, 96),
        SHAPE,
        SHAPE,
    ]


def test_a_cancelled_picture_leaves_and_the_others_go_on(images, batches):
    token = CancelToken()
    seen: list[int] = []

    def cancel_at_first_report(progress):
        seen.append(progress.iteration)
        token.cancel()

    pictures = [
        Picture(images["chelsea"], [images["starry_night"]], SMALL,
                listener=Listener(cancel_at_first_report, progress_every=5, cancel=token)),
        Picture(images["coffee"], [images["the_scream"]], SMALL),
    ]  # fmt: skip
    cancelled, painted = stylize_batch(pictures)
    assert batches == [2]
    assert isinstance(cancelled, Cancelled) and cancelled.iteration == 5 and seen == [5]
    assert not isinstance(painted, Exception) and painted.iterations == SMALL.iterations
    alone = stylize(images["coffee"], [images["the_scream"]], SMALL)
    _close(painted, alone, images["coffee"], images["the_scream"])


def test_progress_reports_each_pictures_own_losses(images):
    reports: dict[int, list] = {0: [], 1: []}
    pictures = [
        Picture(images["chelsea"], [images["starry_night"]], SMALL,
                listener=Listener(reports[k].append, progress_every=4, preview_every=8))
        for k in (0, 1)
    ]  # fmt: skip
    pictures[1] = Picture(images["coffee"], [images["the_scream"]], SMALL,
                          listener=pictures[1].listener)  # fmt: skip
    first, second = stylize_batch(pictures)
    assert not isinstance(first, Exception) and not isinstance(second, Exception)
    for k, result in enumerate((first, second)):
        iterations = [p.iteration for p in reports[k]]
        assert iterations[-1] == SMALL.iterations and iterations == sorted(set(iterations))
        assert reports[k][-1].losses == result.losses
        assert result.history[-1] == result.losses["total"]
        previews = [p.preview for p in reports[k] if p.preview is not None]
        assert previews and previews[-1].size == SHAPE  # each scale previews at its size
    assert first.losses != second.losses


def test_a_failing_batch_is_split_and_no_picture_pays_for_another(images, batches):
    pictures = [
        Picture(images[c], [images["starry_night"]], SMALL) for c in ("chelsea", "coffee")
    ] + [Picture(b"not an image", [images["the_scream"]], SMALL)]
    # The first scale the batch puts on the device runs out of memory.
    with simulated_faults(errors=[torch.OutOfMemoryError("simulated: out of memory")]):
        outcomes = stylize_batch(pictures)
    assert batches == [2, 1, 1]
    assert isinstance(outcomes[2], ImageError)
    assert all(not isinstance(o, Exception) for o in outcomes[:2])
