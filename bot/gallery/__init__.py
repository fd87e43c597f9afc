"""The built-in styles: public-domain paintings shipped with the bot, usable by name anywhere a
style image is (``--style great_wave``, ``/stylize style_name:``), listed by ``/styles``.

Each painting's file is in ``paintings/`` beside this module (scaled to at most 1024 px on its
long side); where each one comes from is in its ``source`` line.
"""

from __future__ import annotations

import difflib
import functools
from dataclasses import dataclass
from importlib import resources

from bot.text import code


@dataclass(frozen=True)
class Painting:
    name: str  # what members type: lower case, underscores
    title: str
    painter: str
    year: str
    source: str

    @property
    def filename(self) -> str:
        return f"{self.name}.jpg"

    @property
    def caption(self) -> str:
        return f"{self.title} \u2014 {self.painter}, {self.year}"

    def data(self) -> bytes:
        return _read(self.filename)


_NEURAL_STYLE = "public domain; the scan jcjohnson/neural-style uses as an example (MIT)"
_FAST_STYLE = "public domain; the scan lengstrom/fast-style-transfer uses as an example (MIT)"
_NEURAL_STYLE_TF = "public domain; the scan cysmith/neural-style-tf ships as styles/kandinsky.jpg"
_ADAIN = "public domain; the scan xunhuang1995/AdaIN-style ships as input/style/{}.jpg"

PAINTINGS: tuple[Painting, ...] = (
    Painting("starry_night", "The Starry Night", "Vincent van Gogh", "1889", _NEURAL_STYLE),
    Painting("the_scream", "The Scream", "Edvard Munch", "1893", _NEURAL_STYLE),
    Painting(
        "great_wave", "The Great Wave off Kanagawa", "Katsushika Hokusai", "c. 1831", _FAST_STYLE
    ),
    Painting("shipwreck", "The Shipwreck", "J. M. W. Turner", "1805", _NEURAL_STYLE),
    Painting(
        "shipwreck_of_the_minotaur",
        "The Wreck of a Transport Ship",
        "J. M. W. Turner",
        "c. 1810",
        _FAST_STYLE,
    ),
    Painting("udnie", "Udnie", "Francis Picabia", "1913", _FAST_STYLE),
    Painting("woman_with_a_hat", "Woman with a Hat", "Henri Matisse", "1905", _NEURAL_STYLE),
    # Kandinsky died in 1944, Mondrian in 1944, Leger in 1955: all three paintings were
    # published in 1913 (public domain in the US) and their painters died more than 70 years
    # before 2026 (public domain where copyright lasts the painter's life and 70 years).
    Painting("composition_vii", "Composition VII", "Wassily Kandinsky", "1913", _NEURAL_STYLE_TF),
    Painting(
        "tableau_2",
        "Tableau No. 2 / Composition No. VII",
        "Piet Mondrian",
        "1913",
        _ADAIN.format("mondrian"),
    ),
    Painting(
        "contrast_of_forms",
        "Contrast of Forms",
        "Fernand L\u00e9ger",
        "1913",
        _ADAIN.format("contrast_of_forms"),
    ),
)
_BY_NAME = {painting.name: painting for painting in PAINTINGS}


class UnknownStyle(LookupError):
    """No built-in style has that name; the message names the nearest ones."""


def normalise(name: str) -> str:
    """How a typed name is matched: ``Great Wave`` and ``great-wave`` are ``great_wave``."""
    return "_".join(name.strip().lower().replace("-", " ").split())


def find(name: str) -> Painting:
    """The painting called ``name`` (or UnknownStyle, suggesting the nearest names)."""
    key = normalise(name)
    painting = _BY_NAME.get(key)
    if painting is not None:
        return painting
    close = nearest(key)
    hint = (
        "did you mean " + " or ".join(f"`{n}`" for n in close) + "?"
        if close
        else "`/styles` shows them all."
    )
    raise UnknownStyle(f"There is no built-in style `{code(name, 60)}`; {hint}")


def nearest(name: str, *, n: int = 3) -> list[str]:
    """Up to ``n`` built-in names close to ``name``: spelling first, then names containing it."""
    key = normalise(name)
    close = difflib.get_close_matches(key, list(_BY_NAME), n=n, cutoff=0.5)
    for candidate in _BY_NAME:
        if len(close) >= n:
            break
        words = set(key.split("_")) - {"the", "of", "a", "with"}
        if candidate not in close and words & set(candidate.split("_")):
            close.append(candidate)
    return close


def matching(typed: str) -> list[Painting]:
    """Paintings whose name, title or painter contains what was typed (for autocomplete)."""
    words = normalise(typed).split("_")
    return [
        p
        for p in PAINTINGS
        if all(w in f"{p.name} {p.title} {p.painter}".lower().replace(" ", "_") for w in words)
    ]


@functools.cache
def _read(filename: str) -> bytes:
    return resources.files(__name__).joinpath("paintings", filename).read_bytes()
