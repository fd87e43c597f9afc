"""The built-in styles: every painting ships, opens, has its credits, and is found by name."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from bot.gallery import PAINTINGS, UnknownStyle, find, matching, nearest


@pytest.mark.parametrize("painting", PAINTINGS, ids=lambda p: p.name)
def test_every_painting_ships_as_an_image_with_its_credits(painting):
    with Image.open(io.BytesIO(painting.data())) as image:
        assert image.format == "JPEG"
        assert 256 <= max(image.size) <= 1024
    assert painting.title and painting.painter and painting.year
    assert "public domain" in painting.source


def test_names_are_unique_and_typeable():
    names = [p.name for p in PAINTINGS]
    assert len(set(names)) == len(names)
    assert all(name.isascii() and name == name.lower() and " " not in name for name in names)


@pytest.mark.parametrize("typed", ["great_wave", "Great Wave", "great-wave", "  GREAT_WAVE "])
def test_a_name_is_found_however_it_is_typed(typed):
    assert find(typed).name == "great_wave"


@pytest.mark.parametrize(
    ("typed", "suggested"),
    [("grate_wave", "great_wave"), ("starry", "starry_night"), ("scream", "the_scream")],
)
def test_an_unknown_name_suggests_the_nearest(typed, suggested):
    assert suggested in nearest(typed)
    with pytest.raises(UnknownStyle, match=suggested):
        find(typed)


def test_a_name_with_nothing_near_points_at_the_gallery():
    with pytest.raises(UnknownStyle, match="/styles"):
        find("xyzzy")


def test_matching_searches_title_and_painter():
    assert [p.name for p in matching("hokusai")] == ["great_wave"]
    assert {p.name for p in matching("turner")} == {"shipwreck", "shipwreck_of_the_minotaur"}
    assert len(matching("")) == len(PAINTINGS)
