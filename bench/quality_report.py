"""The quality benchmark's table: ours against the reference pair by pair on both judges, their
geometric means, which targets hold, and the NNST anchor's line."""

from __future__ import annotations

import math
import statistics

import torch

from bench.bench import machine
from bench.pairs import Row
from bench.plain_gatys import STEPS
from styleengine.metrics import EVALUATION_SIZE

GOAL = 0.85  # first judge: ours at most this times the reference's distance, both of them
SECOND_GOAL = 1.0  # second judge: at least as close as the reference, palette and structure

MEASURES = ("content", "style", "palette", "structure")
_DIGITS = {"content": 3, "style": 4, "palette": 4, "structure": 4}


def ratios(row: Row) -> dict[str, float]:
    """Ours over the reference, each measure (lower is better for all four)."""
    return {m: getattr(row.ours, m) / getattr(row.reference, m) for m in MEASURES}


def meets_targets(row: Row) -> bool:
    r = ratios(row)
    return (
        r["content"] <= GOAL
        and r["style"] <= GOAL
        and r["palette"] <= SECOND_GOAL
        and r["structure"] <= SECOND_GOAL
    )


def _cell(row: Row, measure: str) -> str:
    digits = _DIGITS[measure]
    ours, ref = getattr(row.ours, measure), getattr(row.reference, measure)
    return f"{ours:.{digits}f} / {ref:.{digits}f} ({ours / ref:.2f})"


def gmean(values: list[float]) -> float:
    return math.exp(statistics.fmean(math.log(v) for v in values))


def report(rows: list[Row], changed: str, anchor: Row | None = None) -> None:
    print()
    print(f"machine: {machine(torch.device('cpu'))}")
    print(f"ours: {changed}; evaluator: fp32, caffe VGG19, {EVALUATION_SIZE} px")
    if rows:
        _pairs_table(rows)
    if anchor is not None:
        cells = ", ".join(f"{m} {_cell(anchor, m)}" for m in MEASURES)
        print(
            f"\nNNST anchor ({anchor.pair.name}), ours / NNST (ratio): {cells}; edges "
            f"{anchor.ours.edges:.2f} / {anchor.reference.edges:.2f}; ours {anchor.seconds:.1f} s"
        )


def _pairs_table(rows: list[Row]) -> None:
    print()
    print(
        "| pair | content: ours / ref (ratio) | style: ours / ref (ratio) "
        "| palette: ours / ref (ratio) | structure: ours / ref (ratio) "
        "| edges: ours / ref | ours s | ref s | speed |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        ref_s = "-" if r.reference_seconds is None else f"{r.reference_seconds:.0f}"
        speed = "-" if r.reference_seconds is None else f"1/{r.reference_seconds / r.seconds:.0f}"
        cells = " | ".join(_cell(r, m) for m in MEASURES)
        print(
            f"| {r.pair.name} | {cells} | {r.ours.edges:.2f} / {r.reference.edges:.2f} "
            f"| {r.seconds:.1f} | {ref_s} | {speed} |"
        )
    by_measure = {m: [ratios(r)[m] for r in rows] for m in MEASURES}
    means = ", ".join(f"{m} {gmean(v):.2f}" for m, v in by_measure.items())
    worst = ", ".join(f"{m} {max(v):.2f}" for m, v in by_measure.items())
    met = sum(meets_targets(r) for r in rows)
    print()
    print(f"ratio to the reference, geometric mean: {means}; worst: {worst}")
    print(
        f"targets (content and style at most {GOAL}, palette and structure at most "
        f"{SECOND_GOAL:g} of the reference's): met on {met} of {len(rows)} pairs"
    )
    timed = [r for r in rows if r.reference_seconds is not None]
    if timed:
        ratio = min(r.reference_seconds / r.seconds for r in timed)  # type: ignore[operator]
        print(
            f"speed: ours within 1/{ratio:.0f} of the reference recipe's time on every timed "
            f"pair (reference: {STEPS} x its measured fp32 s/step on this machine)"
        )
