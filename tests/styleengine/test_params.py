import math

import pytest

from styleengine.params import ParamError, StyleParams, knobs, parse_layer_weights


def test_defaults_are_valid_and_round_trip_through_text():
    params = StyleParams()
    assert StyleParams().with_strings(params.as_strings()) == params


@pytest.mark.parametrize(
    ("key", "value", "fragment"),
    [
        ("size", "-5", "from 16 to 4096"),
        ("size", "nan", "whole number"),
        ("size", "1e308", "from 16 to 4096"),
        ("iterations", "12.5", "whole number"),
        ("style-weight", "inf", "finite"),
        ("style_weight", "-1", "from 0 to 1e+09"),
        ("optimizer", "sgd", "one of lbfgs, adam"),
        ("preserve-color", "sepia", "one of none, luminance, histogram"),
        ("style-layers", "relu9_9", "unknown layer"),
        ("style-layers", "relu1_1:-1", "not negative"),
        ("style-blend", "0,0", "above 0"),
        ("colour", "red", "unknown option"),
    ],
)
def test_bad_values_name_the_knob_and_the_allowed_range(key, value, fragment):
    with pytest.raises(ParamError) as info:
        StyleParams().with_strings({key: value})
    assert fragment in str(info.value)
    assert str(info.value).startswith("--")


def test_direct_construction_is_validated_too():
    with pytest.raises(ParamError):
        StyleParams(content_weight=math.nan)
    with pytest.raises(ParamError):
        StyleParams(size=True)  # a bool is not a size


def test_every_knob_has_help_and_its_default_parses_back():
    defaults = StyleParams().as_strings()
    for knob in knobs():
        assert knob.help
        assert knob.parse(defaults[knob.name]) == knob.default


def test_layer_weights_text_form():
    assert parse_layer_weights("relu1_1:0.5, relu2_1") == (("relu1_1", 0.5), ("relu2_1", 1.0))


def test_pyramid_puts_most_iterations_at_low_resolution():
    params = StyleParams(size=512, min_size=128, iterations=100)
    assert params.scale_sizes() == (128, 256, 512)
    # The picture's own scale gets 30 %; the coarser ones share the rest, 2:1.
    assert params.scale_iterations() == (47, 23, 30)
    assert StyleParams(size=384, min_size=128).scale_sizes() == (192, 384)
    assert StyleParams(size=64).scale_sizes() == (64,)  # min_size above size: one scale
    single = StyleParams(size=64, min_size=64, iterations=10)
    assert single.schedule() == ((64, 10),)


@pytest.mark.parametrize("size", [16, 64, 200, 256, 384, 512, 1000, 1024, 2048, 4096])
@pytest.mark.parametrize("iterations", [1, 5, 10, 11, 12, 30, 60, 100, 240, 1000, 10_000])
def test_schedule_rules_hold_for_any_size_and_budget(size, iterations):
    params = StyleParams(size=size, iterations=iterations)
    plan = params.schedule()
    sizes = [s for s, _ in plan]
    counts = [n for _, n in plan]
    assert sum(counts) == iterations  # the budget, exactly
    assert all(n >= 1 for n in counts)
    assert sizes[-1] == size  # the last scale is the picture
    assert sizes == sorted(sizes) and len(set(sizes)) == len(sizes)
    # Never a coarsest scale where relu4_2 (an eighth of the resolution) cannot hold the layout.
    assert sizes[0] >= min(size, params.min_size)
    # Never too few iterations at the finest scale.
    assert counts[-1] >= min(iterations, 10)
    # Among the coarser scales, coarser ones get more: an iteration there costs a quarter.
    assert counts[:-1] == sorted(counts[:-1], reverse=True)


def test_short_jobs_keep_a_coarse_scale_and_a_real_finest_scale():
    assert StyleParams(size=256, iterations=60).schedule() == ((128, 42), (256, 18))
    # Too small a budget for the coarse scales: they go, the picture keeps its iterations.
    assert StyleParams(size=512, iterations=10).schedule() == ((512, 10),)


def test_blend_weights_are_normalised_and_checked_against_style_count():
    assert StyleParams().blend_weights(2) == (0.5, 0.5)
    assert StyleParams(style_blend=(3.0, 1.0)).blend_weights(2) == (0.75, 0.25)
    with pytest.raises(ParamError, match="2 weights for 3 style images"):
        StyleParams(style_blend=(1.0, 1.0)).blend_weights(3)
