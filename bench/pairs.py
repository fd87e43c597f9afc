"""The benchmark's photo x painting pairs (``bench/images/``, sources in SOURCES.md there), and
the row of figures measured for one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from styleengine import load_image
from styleengine.metrics import Distances

IMAGES = Path(__file__).resolve().parent / "images"
# NNST's published butterfly in The Starry Night (SOURCES.md there): a higher anchor than the
# 2015 recipe, shown beside ours on the contact sheet.
ANCHORS = Path(__file__).resolve().parent / "anchors" / "nnst"

# Four photos (a portrait, a cat, a cup, a launch pad) and seven paintings, several with large
# objects in them (a figure, ships, waves), not only texture.
PAIRS = (
    ("astronaut.png", "the_scream.jpg"),
    ("astronaut.png", "woman_with_a_hat.jpg"),
    ("chelsea.png", "great_wave.jpg"),
    ("chelsea.png", "starry_night.jpg"),
    ("coffee.png", "shipwreck_of_the_minotaur.jpg"),
    ("coffee.png", "udnie.jpg"),
    ("rocket.jpg", "great_wave.jpg"),
    ("rocket.jpg", "shipwreck.jpg"),
)


@dataclass(frozen=True)
class Pair:
    content: str
    style: str
    folder: Path = IMAGES

    @property
    def name(self) -> str:
        return f"{Path(self.content).stem}__{Path(self.style).stem}"

    def images(self) -> tuple[Image.Image, Image.Image]:
        return load_image(self.folder / self.content), load_image(self.folder / self.style)


ALL_PAIRS = tuple(Pair(c, s) for c, s in PAIRS)
NNST_PAIR = Pair("butterfly.png", "starry_night_nnst.jpg", ANCHORS)
NNST_OUTPUT = ANCHORS / "nnst_output.png"


@dataclass(frozen=True)
class Row:
    pair: Pair
    ours: Distances
    reference: Distances
    seconds: float
    reference_seconds: float | None  # STEPS x the measured time per step, None if not timed
    reference_name: str = "reference"
