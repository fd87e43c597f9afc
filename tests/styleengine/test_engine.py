"""The optimiser on the real VGG19 weights, at small sizes so that the suite stays fast."""

import itertools

import pytest
import torch
from PIL import Image

from styleengine import Cancelled, CancelToken, ParamError, StyleParams, load_image, stylize
from styleengine.color import rgb_to_ycbcr
from styleengine.encoders import encoder_for
from styleengine.images import fit_long_side, resize
from styleengine.losses import gram
from styleengine.tensors import to_tensor

SMALL = StyleParams(size=64, min_size=64, iterations=40)
STYLE_LAYERS = ("relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1")


@pytest.fixture(scope="module")
def images(data_dir):
    return {
        name: load_image(data_dir / f"{name}.jpg")
        for name in ("chelsea", "coffee", "starry_night", "the_scream", "shipwreck")
    }


def _features(image: Image.Image, size: int) -> dict[str, torch.Tensor]:
    encoder = encoder_for("caffe", "max", "relu5_1", (), "cpu")
    x = to_tensor(resize(image, fit_long_side(image.size, size)))
    with torch.no_grad():
        return encoder(x, frozenset((*STYLE_LAYERS, "relu4_2")))


def style_distance(image: Image.Image, style: Image.Image, size: int = 64) -> float:
    a, b = _features(image, size), _features(style, size)
    return sum(
        float((gram(a[n]) - gram(b[n])).pow(2).sum() / gram(b[n]).pow(2).sum())
        for n in STYLE_LAYERS
    )


def content_distance(image: Image.Image, content: Image.Image, size: int = 64) -> float:
    a, b = _features(image, size)["relu4_2"], _features(content, size)["relu4_2"]
    return float((a - b).pow(2).sum() / b.pow(2).sum())


def test_loss_decreases_and_output_has_the_requested_size(images):
    result = stylize(images["chelsea"], [images["starry_night"]], SMALL)
    assert result.image.size == fit_long_side(images["chelsea"].size, 64)
    assert result.iterations == 40
    assert result.history[-1] < 0.5 * result.history[0]
    assert result.precision in {"bf16", "fp32"}


def test_style_is_present_and_content_recognisable(images):
    content, style = images["chelsea"], images["starry_night"]
    result = stylize(content, [style], SMALL.replace(iterations=60)).image
    # The style statistics moved most of the way from the photo's to the painting's ...
    assert style_distance(result, style) < 0.4 * style_distance(content, style)
    # ... while the result stays much closer to its content than another photo is.
    assert content_distance(result, content) < 0.6 * content_distance(images["coffee"], content)


def test_coarse_to_fine_runs_every_scale(images):
    seen = []
    params = StyleParams(size=96, min_size=24, iterations=28)
    result = stylize(images["coffee"], [images["the_scream"]], params, on_progress=seen.append)
    ends = set(itertools.accumulate(params.scale_iterations()))
    assert [p.size[0] for p in seen if p.iteration in ends] == [24, 48, 96]
    assert result.image.size == (96, 64)


def test_blend_weights_move_the_result_between_two_styles(images):
    a, b = images["starry_night"], images["the_scream"]

    def run(blend):
        return stylize(images["chelsea"], [a, b], SMALL.replace(style_blend=blend)).image

    toward_a, toward_b = run((0.9, 0.1)), run((0.1, 0.9))
    assert style_distance(toward_a, a) < style_distance(toward_b, a)
    assert style_distance(toward_b, b) < style_distance(toward_a, b)


def test_mask_confines_the_style(images):
    content = resize(images["chelsea"], (64, 42))
    mask = Image.new("L", (64, 42), 0)
    mask.paste(255, (0, 0, 32, 42))  # stylise the left half only
    result = stylize(content, [images["starry_night"]], SMALL, mask=mask).image
    before, after = to_tensor(content), to_tensor(result)
    left = (after - before)[..., :, :28].abs().mean()
    right = (after - before)[..., :, 36:].abs().mean()
    assert right < 0.01 and left > 10 * right


def _chroma_error(image: Image.Image, content: Image.Image) -> float:
    a, b = rgb_to_ycbcr(to_tensor(image)), rgb_to_ycbcr(to_tensor(resize(content, image.size)))
    return float((a[:, 1:] - b[:, 1:]).abs().mean())


@pytest.mark.parametrize("mode", ["luminance", "histogram"])
def test_colour_preservation_keeps_the_content_chroma(images, mode):
    content, style = images["chelsea"], images["starry_night"]
    plain = stylize(content, [style], SMALL).image
    kept = stylize(content, [style], SMALL.replace(preserve_color=mode)).image
    assert _chroma_error(kept, content) < 0.5 * _chroma_error(plain, content)
    if mode == "luminance":
        assert _chroma_error(kept, content) < 0.01


def test_cancel_stops_within_one_iteration(images):
    token = CancelToken()
    seen = []

    def on_progress(progress):
        seen.append(progress.iteration)
        if progress.iteration == 3:
            token.cancel()

    with pytest.raises(Cancelled) as info:
        stylize(
            images["chelsea"],
            [images["starry_night"]],
            SMALL,
            on_progress=on_progress,
            progress_every=1,
            cancel=token,
        )
    assert info.value.iteration == 3 and seen == [1, 2, 3]


def test_progress_cadence_eta_and_previews(images):
    seen = []
    stylize(
        images["chelsea"],
        [images["starry_night"]],
        SMALL.replace(iterations=20),
        on_progress=seen.append,
        progress_every=5,
        preview_every=10,
        preview_size=32,
    )
    assert [p.iteration for p in seen] == [5, 10, 15, 20]
    assert [p.preview is not None for p in seen] == [False, True, False, True]
    assert max(seen[1].preview.size) == 32
    assert all(p.eta is not None and p.eta >= 0 for p in seen) and seen[-1].eta == 0
    assert seen[-1].elapsed >= seen[0].elapsed and seen[-1].fraction == 1.0
    assert set(seen[0].losses) == {"content", "style", "palette", "tv", "total"}


def test_adam_and_noise_init_are_reproducible_with_a_seed(images):
    params = SMALL.replace(optimizer="adam", init_noise=1.0, iterations=10, seed=3)
    first = stylize(images["chelsea"], [images["starry_night"]], params)
    second = stylize(images["chelsea"], [images["starry_night"]], params)
    assert first.history == second.history
    assert first.history[-1] < first.history[0]


def test_inputs_that_do_not_fit_the_params(images):
    with pytest.raises(ParamError, match="at least one style"):
        stylize(images["chelsea"], [], SMALL)
    with pytest.raises(ParamError, match="3 weights for 1 style"):
        stylize(images["chelsea"], [images["coffee"]], SMALL.replace(style_blend=(1, 1, 1)))
    with pytest.raises(ParamError, match="fp16 is for CUDA"):
        stylize(
            images["chelsea"], [images["coffee"]], SMALL.replace(precision="fp16"), device="cpu"
        )
