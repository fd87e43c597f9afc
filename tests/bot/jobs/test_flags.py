"""What members type, turned into the engine's parameters, with clear refusals."""

from __future__ import annotations

import pytest

from bot.jobs.flags import RequestError, resolve_params, split_flags
from styleengine import StyleParams


def resolve(text: str, base: StyleParams | None = None) -> StyleParams:
    return resolve_params(
        base or StyleParams(), split_flags(text), max_size=1024, max_iterations=1000
    )


def test_flags_in_every_spelling():
    assert split_flags("--size 512 --style_weight=50 --Preserve-Color luminance") == {
        "size": "512",
        "style-weight": "50",
        "preserve-color": "luminance",
    }
    # A phone keyboard turns "--" into an em dash.
    assert split_flags("\u2014size 256") == {"size": "256"}
    params = resolve("--size 256 --style-weight 1e4 --preserve-color luminance --seed 7")
    assert (params.size, params.style_weight, params.preserve_color, params.seed) == (
        256,
        1e4,
        "luminance",
        7,
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("size 512", "options look like `--size 512`"),
        ("--size", "needs a value"),
        ("--size 1 --size 2", "given twice"),
        ('--size "512', "could not read"),
        ("--sise 512", "Did you mean `--size`"),
        ("--weights /etc/passwd", "not an option"),
        ("--precision fp16", "not an option"),
        ("--size -5", "from 16 to 4096"),
        ("--size nan", "whole number"),
        ("--style-weight inf", "finite"),
        ("--style-weight 1e308", "from 0 to 1e+09"),
        ("--size 2048", "at most 1024 here"),
        ("--iterations 5000", "at most 1000 here"),
        ("--preserve-color sepia", "one of none, luminance, histogram"),
        ("--size `rm -rf`", "understand `-rf'`"),  # backticks cannot break the code span
    ],
)
def test_bad_flags_are_refused_with_the_reason(text, fragment):
    with pytest.raises(RequestError) as caught:
        resolve(text)
    assert fragment in str(caught.value)
