"""Picture quality against the plain 2015 recipe: distances, time and a contact sheet per pair.

    python bench/quality.py [--pairs astronaut__the_scream ...] [--set style_weight=2 ...]
                            [--reference-steps 5] [--sheet examples/quality_sheet.jpg]
    python bench/quality.py --rebuild-reference [--pairs ...]   # the slow part, resumable
    python bench/quality.py --import-reference DIR              # adopt outputs made elsewhere

For every pair it paints the photo with the engine's defaults (changed by ``--set``), measures the
content and style distances (and edge agreement) of ours and of the reference with one evaluator
(``styleengine.metrics``: fp32, Caffe weights, 512 px), times ours, times a few fp32 steps of the
reference recipe on this machine to state the speed ratio in the same run, and writes a contact
sheet (content | style | ours | reference) to the output folder.

The reference (``bench/plain_gatys.py``: one scale, fp32, 1000 L-BFGS steps from the photo) takes
15 to 60 minutes a pair on a CPU, so its outputs and distances are kept in ``bench/reference/``;
``--rebuild-reference`` makes the missing ones (all of them with ``--force``), one pair at a
time, saving each as it finishes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from bench.contact_sheet import captioned_row, contact_row, stack  # noqa: E402
from bench.pairs import ALL_PAIRS, NNST_OUTPUT, NNST_PAIR, Pair, Row  # noqa: E402
from bench.plain_gatys import STEPS  # noqa: E402
from bench.quality_report import report  # noqa: E402
from bench.reference_store import (  # noqa: E402
    REFERENCE,
    import_reference,
    load_reference,
    rebuild_reference,
    reference_seconds_per_step,
    rescore_reference,
)
from styleengine import StyleParams, load_image, stylize  # noqa: E402
from styleengine.encoders import encoder_for  # noqa: E402
from styleengine.metrics import Distances, Evaluator  # noqa: E402
from styleengine.params import knobs  # noqa: E402

# -- ours ------------------------------------------------------------------------------------------


def paint(pair: Pair, params: StyleParams) -> tuple[Image.Image, float]:
    content, style = pair.images()
    started = time.perf_counter()
    result = stylize(content, [style], params)
    return result.image, time.perf_counter() - started


def params_tag(params: StyleParams) -> str:
    text = json.dumps(params.as_strings(), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


def _changed(params: StyleParams) -> str:
    defaults = StyleParams().as_strings()
    changed = {k: v for k, v in params.as_strings().items() if defaults[k] != v}
    return " ".join(f"--{k.replace('_', '-')} {v}" for k, v in changed.items()) or "defaults"


def strength_strip(pair: Pair, params: StyleParams, weights: list[float], path: Path) -> None:
    """One pair painted at several style weights, weak to strong, with their distances."""
    content, style = pair.images()
    evaluator = Evaluator()
    items = [(content, f"{Path(pair.content).stem} (photo)")]
    for weight in weights:
        image, seconds = paint(pair, params.replace(style_weight=weight))
        d = evaluator.distances(image, content, style)
        items.append(
            (
                image,
                f"--style-weight {weight:g}\ncontent {d.content:.2f} style {d.style:.3f}\n"
                f"palette {d.palette:.3f}",
            )
        )
        print(
            f"style weight {weight:g}: content {d.content:.3f}, style {d.style:.4f}, "
            f"palette {d.palette:.4f}, structure {d.structure:.4f}, edges {d.edges:.2f}, "
            f"{seconds:.1f} s",
            flush=True,
        )
    items.append((style, f"{Path(pair.style).stem} (painting)"))
    captioned_row(items).save(path, quality=90)
    print(f"strip: {path}")


def _anchor_row(params: StyleParams, evaluator: Evaluator) -> tuple[Row, Image.Image]:
    """NNST's butterfly: ours beside NNST's published picture, on both judges."""
    image, seconds = paint(NNST_PAIR, params)
    content, style = NNST_PAIR.images()
    row = Row(
        NNST_PAIR,
        evaluator.distances(image, content, style),
        evaluator.distances(load_image(NNST_OUTPUT), content, style),
        seconds,
        None,
        reference_name="NNST",
    )
    return row, image


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", nargs="+", help="pair names, e.g. astronaut__the_scream")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KNOB=VALUE",
        help="change one of the engine's knobs (repeatable)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "out" / "quality")
    parser.add_argument(
        "--reference-steps",
        type=int,
        default=5,
        help="fp32 steps of the reference timed per pair (0: do not time)",
    )
    parser.add_argument("--sheet", type=Path, help="also write all pairs' rows to this file")
    parser.add_argument("--rebuild-reference", action="store_true")
    parser.add_argument("--force", action="store_true", help="rebuild references that exist")
    parser.add_argument(
        "--rescore-reference",
        action="store_true",
        help="measure the stored reference outputs again (after the evaluator changed)",
    )
    anchor_choice = parser.add_mutually_exclusive_group()
    anchor_choice.add_argument(
        "--no-anchor", action="store_true", help="leave out NNST's butterfly (bench/anchors/)"
    )
    anchor_choice.add_argument(
        "--anchor-only", action="store_true", help="paint NNST's butterfly alone (no pairs)"
    )
    parser.add_argument("--import-reference", type=Path, metavar="DIR")
    parser.add_argument(
        "--strip",
        type=Path,
        metavar="FILE",
        help="paint the first pair at --strip-weights and write the strip here",
    )
    parser.add_argument(
        "--strip-weights",
        default="2,4,8,16,32",
        help="style weights of the strip (default: doubling, as 'More style')",
    )
    args = parser.parse_args()

    pairs = list(ALL_PAIRS)
    if args.pairs:
        by_name = {p.name: p for p in ALL_PAIRS}
        unknown = [n for n in args.pairs if n not in by_name]
        if unknown:
            parser.error(f"unknown pairs {unknown}; pairs are {sorted(by_name)}")
        pairs = [by_name[n] for n in args.pairs]
    evaluator = Evaluator()
    if args.rebuild_reference:
        rebuild_reference(pairs, evaluator, args.force)
        return
    if args.import_reference:
        import_reference(args.import_reference, pairs, evaluator)
        return
    if args.rescore_reference:
        rescore_reference(pairs, evaluator)
        return

    names = {k.name for k in knobs()}
    changes = dict(item.split("=", 1) for item in args.set)
    if bad := set(k.replace("-", "_") for k in changes) - names:
        parser.error(f"unknown knobs {sorted(bad)}")
    params = StyleParams().with_strings(changes)
    if args.strip:
        weights = [float(w) for w in args.strip_weights.split(",")]
        strength_strip(pairs[0], params, weights, args.strip)
        return
    if args.anchor_only:
        pairs = []
    references = load_reference()["pairs"]
    if missing := [p.name for p in pairs if p.name not in references]:
        parser.error(f"no reference for {missing}: run --rebuild-reference first")
    out = args.out / params_tag(params)
    out.mkdir(parents=True, exist_ok=True)
    (out / "params.json").write_text(json.dumps(params.as_strings(), indent=1) + "\n")
    encoder_for(params.weights, params.pooling, params.deepest_layer, (), "cpu")  # warm
    rows, sheets = [], []
    for pair in pairs:
        image, seconds = paint(pair, params)
        content, style = pair.images()
        ref_entry = references[pair.name]
        ref_image = load_image(REFERENCE / ref_entry["output"])
        ref_seconds = None
        if args.reference_steps > 0:
            ref_seconds = STEPS * reference_seconds_per_step(pair, args.reference_steps)
        row = Row(
            pair,
            evaluator.distances(image, content, style),
            Distances(**ref_entry["distances"]),
            seconds,
            ref_seconds,
        )
        image.save(out / f"{pair.name}.png")
        sheet = contact_row(row, image, ref_image)
        sheet.save(out / f"{pair.name}__sheet.png")
        sheets.append(sheet)
        rows.append(row)
        print(
            f"{pair.name}: content {row.ours.content:.3f} (ref {row.reference.content:.3f}), "
            f"style {row.ours.style:.4f} (ref {row.reference.style:.4f}), {seconds:.1f} s",
            flush=True,
        )
    anchor = None
    if not args.no_anchor:
        anchor, image = _anchor_row(params, evaluator)
        image.save(out / "anchor.png")
        sheets.append(contact_row(anchor, image, load_image(NNST_OUTPUT)))
    all_rows = stack(sheets)
    all_rows.save(out / "sheet.png")
    if args.sheet:
        all_rows.save(args.sheet, quality=90)
    report(rows, _changed(params), anchor)
    print(f"\nsheets: {out}/")


if __name__ == "__main__":
    main()
