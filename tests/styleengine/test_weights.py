import pytest
import torch

from styleengine.layers import CONV_NAMES, forward_flops
from styleengine.vgg import VGGEncoder
from styleengine.weights import WeightsError, load_weights


def test_caffe_weights_load_dequantised_with_caffe_preprocessing():
    weights = load_weights("caffe")
    assert set(weights.convs) == set(CONV_NAMES)
    w, b = weights.convs["conv1_1"]
    assert w.shape == (64, 3, 3, 3) and b.shape == (64,)
    assert w.dtype == torch.float32 and w.abs().max() > 0.1  # real weights, not zeros
    assert weights.preprocessing == "caffe"
    assert load_weights("caffe") is weights  # loaded once per process


def test_encoder_is_truncated_after_the_deepest_layer_and_frozen():
    weights = load_weights("caffe")
    encoder = VGGEncoder(weights.convs, weights.normalize(), deepest="relu3_1")
    assert list(encoder.layers)[-1] == "relu3_1"
    assert all(not p.requires_grad for p in encoder.parameters())
    feats = encoder(torch.rand(1, 3, 32, 32), frozenset({"relu1_1", "relu3_1"}))
    assert feats["relu1_1"].shape == (1, 64, 32, 32)
    assert feats["relu3_1"].shape == (1, 256, 8, 8)


def test_caffe_preprocessing_is_bgr_minus_mean_pixel():
    normalize = load_weights("caffe").normalize()
    pixel = torch.tensor([1.0, 0.5, 0.0]).view(1, 3, 1, 1)  # RGB
    out = normalize(pixel).flatten().tolist()
    assert out == pytest.approx([0.0 - 103.939, 127.5 - 116.779, 255.0 - 123.68], abs=1e-3)


def test_torchvision_layout_file_loads_with_imagenet_preprocessing(tmp_path):
    from torchvision.models import vgg19

    caffe = load_weights("caffe")
    positions = [i for i, m in enumerate(vgg19(weights=None).features) if hasattr(m, "weight")]
    state = {}
    for name, index in zip(CONV_NAMES, positions, strict=True):
        state[f"features.{index}.weight"], state[f"features.{index}.bias"] = caffe.convs[name]
    path = tmp_path / "vgg19.pth"
    torch.save(state, path)
    loaded = load_weights(str(path))
    assert loaded.preprocessing == "imagenet"
    assert torch.equal(loaded.convs["conv5_4"][0], caffe.convs["conv5_4"][0])


@pytest.mark.parametrize("content", [b"", b"garbage that is not a torch file"])
def test_unreadable_weights_file_is_a_clear_error(tmp_path, content):
    path = tmp_path / "bad.pth"
    path.write_bytes(content)
    with pytest.raises(WeightsError, match="cannot read VGG19 weights"):
        load_weights(str(path))


def test_missing_weights_file_and_wrong_layout(tmp_path):
    with pytest.raises(WeightsError, match="not found"):
        load_weights(str(tmp_path / "missing.pth"))
    path = tmp_path / "other.pth"
    torch.save({"fc.weight": torch.zeros(2, 2)}, path)
    with pytest.raises(WeightsError, match="not a VGG19 state dict"):
        load_weights(str(path))


def test_flop_count_matches_a_hand_count():
    # conv1_1 at 2x2: 2 * 3 * 64 * 9 * 4
    assert forward_flops(2, 2, "relu1_1") == 2 * 3 * 64 * 9 * 4
