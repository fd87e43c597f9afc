"""The objective at one scale: weighted terms summed by one, and targets built from the photo
and the paintings (the real network, at a small size)."""

import pytest
import torch
from torch import nn

from styleengine import StyleParams, load_image
from styleengine.encoders import encoder_for
from styleengine.images import resize
from styleengine.objective import LayerTerms, Objective, Weighted, objective_at_scale
from styleengine.tensors import to_tensor


class Constant(nn.Module):
    def __init__(self, value: float) -> None:
        super().__init__()
        self.value = value

    def forward(self, feats, image=None):
        return torch.tensor(self.value)


def test_the_total_is_each_term_times_its_weight_over_its_norm():
    objective = Objective(
        [Weighted("a", 2.0, Constant(3.0), norm=1.5), Weighted("b", 0.5, Constant(4.0))]
    )
    values = objective({}, torch.zeros(1))
    assert float(values["a"]) == 3.0 and float(values["b"]) == 4.0
    assert float(values["total"]) == pytest.approx(2.0 * 3.0 / 1.5 + 0.5 * 4.0)


def test_layer_terms_weigh_each_layer_and_are_normalised_by_the_weights_sum():
    terms = LayerTerms({"x": Constant(1.0), "y": Constant(10.0)}, {"x": 0.5, "y": 2.0})
    feats = {"x": torch.zeros(1), "y": torch.zeros(1)}
    assert float(terms(feats, torch.zeros(1))) == pytest.approx(0.5 * 1.0 + 2.0 * 10.0)
    assert terms.norm == 2.5


def test_at_the_photo_the_content_term_is_zero_and_each_style_layer_counts_one(data_dir):
    params = StyleParams(size=48)
    encoder = encoder_for("caffe", "max", params.deepest_layer, (), "cpu")

    def place(image, size):
        return to_tensor(resize(image, size))

    def encode(image, wanted):
        return encoder(image.contiguous(memory_format=torch.channels_last), wanted)

    photo = load_image(data_dir / "chelsea.jpg")
    content = place(photo, (48, 32))
    paintings = [(1.0, load_image(data_dir / "starry_night.jpg"))]
    objective = objective_at_scale(params, content, paintings, place=place, encode=encode)
    layers = frozenset(n for n, _ in params.content_layers + params.style_layers)
    values = objective(encode(content, layers), content)
    assert float(values["content"]) == pytest.approx(0.0, abs=1e-6)
    # Normalised by the photo's own distance: every style layer counts 1 where the photo starts.
    assert float(values["style"]) == pytest.approx(len(params.style_layers), rel=1e-3)
    # So does the palette, where it is wanted.
    assert float(values["palette"]) == pytest.approx(1.0, rel=1e-3) or params.palette_weight == 0
    expected = (
        params.style_weight * 1.0
        + params.style_weight * params.palette_weight * float(values["palette"])
        + params.tv_weight * float(values["tv"])
    )
    assert float(values["total"]) == pytest.approx(expected, rel=1e-4)


@pytest.mark.parametrize(("style_loss", "passes"), [("gram", 2), ("nn", 3)])
def test_building_a_scale_runs_the_network_only_for_what_it_needs(data_dir, style_loss, passes):
    params = StyleParams(size=48, style_loss=style_loss)
    encoder = encoder_for("caffe", "max", params.deepest_layer, (), "cpu")
    asked: list[frozenset[str]] = []

    def encode(image, wanted):
        asked.append(wanted)
        return encoder(image.contiguous(memory_format=torch.channels_last), wanted)

    photo = to_tensor(resize(load_image(data_dir / "chelsea.jpg"), (48, 32)))
    paintings = [(1.0, load_image(data_dir / "starry_night.jpg"))]
    place = lambda image, size: to_tensor(resize(image, size))  # noqa: E731
    objective_at_scale(params, photo, paintings, place=place, encode=encode, start=photo)
    # The photo, the painting and, for neighbour targets only, the start: never an empty pass.
    assert len(asked) == passes and all(asked)
    # And the encoder itself makes no pass when nothing is asked of it.
    calls = []
    handle = encoder.layers["conv1_1"].register_forward_hook(lambda *a: calls.append(1))
    assert encoder(photo, frozenset()) == {} and not calls
    handle.remove()
