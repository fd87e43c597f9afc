"""The quality benchmark's parts: the plain 2015 recipe it compares with, its stored reference
and its contact sheets (the benchmark itself is not a test: `make bench-quality`)."""

import pytest
from PIL import Image

from bench.contact_sheet import contact_row
from bench.pairs import ALL_PAIRS, IMAGES, NNST_OUTPUT, NNST_PAIR, Row
from bench.plain_gatys import PlainGatys
from bench.quality_report import meets_targets, ratios
from bench.reference_store import REFERENCE, load_reference
from styleengine import load_image
from styleengine.metrics import EVALUATION_SIZE, Distances, Evaluator


def test_the_plain_recipe_lowers_its_loss_from_the_photo(data_dir):
    photo, painting = load_image(data_dir / "chelsea.jpg"), load_image(data_dir / "the_scream.jpg")
    recipe = PlainGatys(photo, painting, size=48)
    assert recipe.size == (48, 32)
    # The painting at as many pixels as the photo, its aspect kept.
    w, h = recipe.style_size
    assert abs(w * h - 48 * 32) < 60 and abs(w / h - painting.width / painting.height) < 0.05
    losses = []
    result = recipe.run(8, on_step=lambda step, loss: losses.append(loss))
    assert result.image.size == (48, 32) and result.steps == 8
    assert losses[-1] < 0.5 * losses[0]


def test_the_stored_reference_covers_every_pair_and_is_measured_by_todays_evaluator():
    stored = load_reference()
    assert stored["evaluator"] == {"size": EVALUATION_SIZE, "weights": "caffe", "precision": "fp32"}
    assert {p.name for p in ALL_PAIRS} <= set(stored["pairs"])
    for pair in ALL_PAIRS:
        entry = stored["pairs"][pair.name]
        assert (REFERENCE / entry["output"]).is_file()
        assert (IMAGES / entry["content"]).is_file() and (IMAGES / entry["style"]).is_file()
    # One pair measured again: a change to the evaluator must come with re-measured references.
    pair = ALL_PAIRS[-1]
    entry = stored["pairs"][pair.name]
    content, style = pair.images()
    again = Evaluator().distances(load_image(REFERENCE / entry["output"]), content, style)
    kept = Distances(**entry["distances"])
    assert again.content == pytest.approx(kept.content, rel=1e-3)
    assert again.style == pytest.approx(kept.style, rel=1e-3)
    assert again.edges == pytest.approx(kept.edges, rel=1e-3)
    assert again.palette == pytest.approx(kept.palette, rel=1e-3)
    assert again.structure == pytest.approx(kept.structure, rel=1e-3)


def test_a_contact_row_shows_content_style_ours_and_reference():
    pair = ALL_PAIRS[0]
    d = Distances(0.5, 0.05, {}, 0.7, 0.04, 0.1)
    ours = Image.new("RGB", (512, 512), "red")
    row = contact_row(Row(pair, d, d, 10.0, None), ours, Image.new("RGB", (512, 512), "blue"))
    assert row.width > 4 * 200
    # The third cell is ours, the fourth the reference.
    cell = row.width // 4
    assert row.getpixel((2 * cell + cell // 2, 50)) == (255, 0, 0)
    assert row.getpixel((3 * cell + cell // 2, 50)) == (0, 0, 255)


def test_targets_hold_only_when_both_judges_agree():
    pair = ALL_PAIRS[0]
    ref = Distances(1.0, 0.1, {}, 0.5, 0.05, 0.1)
    good = Distances(0.8, 0.08, {}, 0.7, 0.05, 0.1)
    assert meets_targets(Row(pair, good, ref, 1.0, None))
    # Closer in Gram statistics but further from the painting's palette: not met.
    off_palette = Distances(0.8, 0.05, {}, 0.7, 0.051, 0.1)
    assert not meets_targets(Row(pair, off_palette, ref, 1.0, None))
    assert ratios(Row(pair, off_palette, ref, 1.0, None))["style"] == pytest.approx(0.5)


def test_the_nnst_anchor_is_in_the_clone():
    content, painting = NNST_PAIR.images()
    assert content.size == (768, 768) and painting.width > 0 and NNST_OUTPUT.is_file()
