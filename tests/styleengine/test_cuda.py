"""The engine on a CUDA device: skipped where there is none (CI never has one).

Run on a GPU with ``pytest tests/styleengine/test_cuda.py``; docs/performance.md says what was
measured there and when.
"""

import pytest
import torch
from PIL import Image

from styleengine import (
    Cancelled,
    CancelToken,
    Listener,
    OutOfMemory,
    Picture,
    StyleParams,
    stylize,
    stylize_batch,
)
from styleengine.metrics import Evaluator
from tests.styleengine.samples import samples

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

DEVICE = "cuda:0"
SHAPE = (512, 384)


@pytest.fixture(scope="module")
def images(data_dir) -> dict[str, Image.Image]:
    return samples(data_dir, SHAPE)


def _relative(a: Image.Image, b: Image.Image, content: Image.Image, style: Image.Image) -> dict:
    judge = Evaluator()
    da, db = judge.distances(a, content, style), judge.distances(b, content, style)
    diff = {
        "content": abs(da.content / db.content - 1),
        "style": abs(da.style / db.style - 1),
        "edges": abs(da.edges / db.edges - 1),
    }
    print("relative differences:", {k: round(v, 4) for k, v in diff.items()})
    return diff


def test_bf16_and_fp32_agree(images):
    content, style = images["chelsea"], images["starry_night"]
    bf16 = stylize(content, [style], StyleParams(precision="bf16"), device=DEVICE)
    fp32 = stylize(content, [style], StyleParams(precision="fp32"), device=DEVICE)
    assert bf16.precision == "bf16" and fp32.precision == "fp32"
    assert max(_relative(bf16.image, fp32.image, content, style).values()) < 0.05


def test_graphs_paint_the_eager_picture(images, caplog):
    picture = Picture(images["chelsea"], [images["starry_night"]])
    (graphed,) = stylize_batch([picture], device=DEVICE, graphs=True)
    assert "not captured" not in caplog.text
    (eager,) = stylize_batch([picture], device=DEVICE, graphs=False)
    assert not isinstance(graphed, Exception) and not isinstance(eager, Exception)
    diff = _relative(graphed.image, eager.image, picture.content, picture.styles[0])
    assert graphed.history[-1] == pytest.approx(eager.history[-1], rel=0.02)
    assert max(diff.values()) < 0.05


def test_a_batch_of_two_gives_each_its_picture_alone(images, batches):
    pictures = [
        Picture(images["chelsea"], [images["starry_night"]]),
        Picture(images["coffee"], [images["the_scream"]]),
    ]
    together = stylize_batch(pictures, device=DEVICE)
    assert batches[0] == 2
    for picture, result in zip(pictures, together, strict=True):
        assert not isinstance(result, Exception)
        alone = stylize(picture.content, picture.styles, picture.params, device=DEVICE)
        # The same objective at the end; the yardstick within its noise
        # (tests/styleengine/test_batch.py says how large that is). Step by step, bf16 batched
        # convolutions round differently from the first iteration on a GPU.
        assert result.history[-1] == pytest.approx(alone.history[-1], rel=0.02)
        diff = _relative(result.image, alone.image, picture.content, picture.styles[0])
        assert max(diff.values()) < 0.05


def test_a_batch_with_one_cancelled(images, batches):
    token = CancelToken()
    pictures = [
        Picture(images["chelsea"], [images["starry_night"]],
                listener=Listener(lambda p: token.cancel(), progress_every=20, cancel=token)),
        Picture(images["coffee"], [images["the_scream"]]),
    ]  # fmt: skip
    cancelled, painted = stylize_batch(pictures, device=DEVICE)
    assert batches == [2]
    assert isinstance(cancelled, Cancelled) and cancelled.iteration == 20
    assert not isinstance(painted, Exception) and painted.iterations == 100


def test_out_of_memory_is_caught_for_real_and_retried_smaller(images, batches):
    total = torch.cuda.get_device_properties(0).total_memory
    torch.cuda.empty_cache()
    torch.cuda.set_per_process_memory_fraction(7 * 2**30 / total, 0)  # 7 GiB for this test
    try:
        large = StyleParams(size=1024, iterations=20)  # about 2.4 GiB a picture
        pictures = [Picture(images["chelsea"], [images["starry_night"]], large)] * 4
        outcomes = stylize_batch(pictures, device=DEVICE)
        assert batches[0] == 4 and len(batches) > 1, "the batch of four should not fit"
        assert all(not isinstance(o, Exception) for o in outcomes), outcomes
        batches.clear()
        (too_large,) = stylize_batch(
            [Picture(images["chelsea"], [images["starry_night"]], StyleParams(size=4096,
                                                                              iterations=6))],
            device=DEVICE,
        )  # fmt: skip
        assert isinstance(too_large, OutOfMemory)
        assert "cuda" in str(too_large)
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0, 0)
        torch.cuda.empty_cache()
