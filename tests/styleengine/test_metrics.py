"""The quality benchmark's evaluator: what its three numbers say about known pictures."""

import pytest
import torch
from PIL import Image, ImageFilter

from styleengine import StyleParams, load_image, stylize
from styleengine.images import fit_long_side
from styleengine.metrics import STYLE_LAYERS, Evaluator
from styleengine.tensors import to_image, to_tensor


@pytest.fixture(scope="module")
def evaluator():
    return Evaluator(size=96)


@pytest.fixture(scope="module")
def images(data_dir):
    return {
        name: load_image(data_dir / f"{name}.jpg")
        for name in ("chelsea", "coffee", "starry_night", "the_scream")
    }


def test_the_photo_itself_is_at_zero_content_distance_with_its_own_edges(evaluator, images):
    photo, painting = images["chelsea"], images["starry_night"]
    d = evaluator.distances(photo, photo, painting)
    assert d.content == pytest.approx(0.0, abs=1e-6)
    assert d.edges == pytest.approx(1.0, abs=1e-4)
    assert d.style > 0.1  # a photo is far from a painting's statistics
    assert set(d.style_by_layer) == set(STYLE_LAYERS)
    assert d.style == pytest.approx(sum(d.style_by_layer.values()) / len(STYLE_LAYERS))


def test_the_painting_itself_is_at_zero_style_distance(evaluator, images):
    painting = images["starry_night"]
    d = evaluator.distances(painting, images["chelsea"], painting)
    assert d.style == pytest.approx(0.0, abs=1e-6)


def test_the_second_judge_sees_colours_apart_from_layout(evaluator, images):
    photo, painting = images["chelsea"], images["the_scream"]
    at_photo = evaluator.distances(photo, photo, painting)
    assert at_photo.structure == pytest.approx(0.0, abs=1e-6)
    assert evaluator.distances(painting, photo, painting).palette == pytest.approx(0.0, abs=1e-6)
    # The painting's pixels (at the size the judge sees) shuffled: its palette, none of its
    # (or the photo's) layout.
    small = to_tensor(painting.resize(fit_long_side(painting.size, evaluator.size)))
    order = torch.randperm(small[0, 0].numel(), generator=torch.Generator().manual_seed(0))
    shuffled = to_image(small.flatten(2)[..., order].view_as(small))
    d_shuffled = evaluator.distances(shuffled, photo, painting)
    assert d_shuffled.palette < 0.2 * at_photo.palette
    assert d_shuffled.structure > 0.1
    # The photo in grey: the same layout, not the same colours.
    grey = photo.convert("L").convert("RGB")
    d_grey = evaluator.distances(grey, photo, painting)
    other = evaluator.distances(images["coffee"].resize(photo.size), photo, painting)
    assert d_grey.structure < 0.3 * other.structure
    assert d_grey.palette > 0.5 * at_photo.palette


def test_another_photo_is_far_in_content_and_in_edges(evaluator, images):
    photo = images["chelsea"]
    other = images["coffee"].resize(photo.size)
    blurred = photo.filter(ImageFilter.GaussianBlur(8))
    d_other = evaluator.distances(other, photo, images["starry_night"])
    d_blur = evaluator.distances(blurred, photo, images["starry_night"])
    assert d_other.content > 0.5
    assert d_other.edges < 0.3
    # Blur keeps the layout (closer in content than another photo) but loses edges.
    assert d_blur.content < d_other.content
    assert d_other.edges < d_blur.edges < 0.9


def test_a_stylised_picture_lies_between_its_photo_and_its_painting(evaluator, images):
    photo, painting = images["chelsea"], images["starry_night"]
    picture = stylize(photo, [painting], StyleParams(size=96, iterations=40)).image
    ours = evaluator.distances(picture, photo, painting)
    start = evaluator.distances(photo, photo, painting)
    other = evaluator.distances(images["coffee"].resize(photo.size), photo, painting)
    assert ours.style < 0.5 * start.style
    assert 0.0 < ours.content < other.content


def test_pictures_of_any_size_are_measured_at_the_evaluation_size(evaluator, images):
    photo, painting = images["chelsea"], images["starry_night"]
    small = photo.resize((photo.width // 2, photo.height // 2), Image.Resampling.LANCZOS)
    d = evaluator.distances(small, photo, painting)
    assert d.content < 0.3 and d.edges > 0.8  # the same picture, only smaller
