"""The sample photos and paintings the engine's batch tests paint, the photos at one shape (so
that they share a batch), the paintings as they are."""

from pathlib import Path

from PIL import Image

from styleengine import load_image

PHOTOS = ("chelsea", "coffee")
PAINTINGS = ("starry_night", "the_scream")


def samples(data_dir: Path, shape: tuple[int, int]) -> dict[str, Image.Image]:
    out = {name: load_image(data_dir / f"{name}.jpg").resize(shape) for name in PHOTOS}
    out.update({name: load_image(data_dir / f"{name}.jpg") for name in PAINTINGS})
    return out
