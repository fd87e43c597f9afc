"""Nearest-neighbour targets: real pieces of the painting, one per position of the picture."""

import pytest
import torch

from styleengine import StyleParams, load_image, stylize
from styleengine.metrics import Evaluator
from styleengine.neighbours import SCALE, NeighbourLoss, nearest
from styleengine.tensors import to_tensor


def test_each_target_is_the_paintings_vector_nearest_in_direction():
    torch.manual_seed(0)
    painting = torch.randn(1, 8, 5, 7)
    picture = painting[..., 1:4, 2:6] * 3.0 + 0.01 * torch.randn(1, 8, 3, 4)
    targets = nearest(picture, [painting])
    # A picture made of (scaled, slightly moved) pieces of the painting gets those pieces back.
    assert torch.equal(targets, painting[..., 1:4, 2:6])
    # Every target is one of the painting's vectors, whatever the picture.
    other = nearest(torch.randn(1, 8, 6, 6), [painting, painting.flip(-1)])
    pool = painting.flatten(2)[0].T
    for vector in other.flatten(2)[0].T:
        assert bool((pool == vector).all(1).any())


def test_the_loss_is_zero_at_the_targets_and_falls_towards_them():
    torch.manual_seed(1)
    targets = torch.randn(1, 4, 6, 6)
    loss = NeighbourLoss(targets)
    assert float(loss(2.0 * targets)) == pytest.approx(0.0, abs=1e-6)
    x = torch.randn(1, 4, 6, 6, requires_grad=True)
    start = float(loss(x.detach()))
    assert start == pytest.approx(
        float((1 - torch.cosine_similarity(x.detach(), targets, 1)).mean()) / SCALE
    )
    optimiser = torch.optim.Adam([x], lr=0.05)
    for _ in range(50):
        optimiser.zero_grad()
        loss(x).backward()
        optimiser.step()
    assert float(loss(x.detach())) < 0.2 * start


def test_under_a_mask_only_masked_positions_count():
    targets = torch.randn(1, 4, 4, 4)
    mask = torch.zeros(1, 1, 4, 4)
    mask[..., :2, :] = 1.0
    loss = NeighbourLoss(targets, mask)
    changed = targets.clone()
    changed[..., 2:, :] = torch.randn(1, 4, 2, 4)
    assert float(loss(changed)) == pytest.approx(0.0, abs=1e-6)


def test_a_picture_painted_with_neighbour_targets(data_dir):
    photo = load_image(data_dir / "chelsea.jpg")
    painting = load_image(data_dir / "starry_night.jpg")
    params = StyleParams(size=64, iterations=30, style_loss="nn")
    result = stylize(photo, [painting], params)
    gram = stylize(photo, [painting], params.replace(style_loss="gram"))
    judge = Evaluator(size=64)
    ours, start = (
        judge.distances(result.image, photo, painting),
        judge.distances(photo, photo, painting),
    )
    assert ours.style < 0.5 * start.style  # towards the painting
    assert ours.content < 3.0 and ours.edges > 0.3  # and still the photo
    # Not the Gram picture under another name.
    assert (to_tensor(result.image) - to_tensor(gram.image)).abs().mean() > 0.01
