"""``python -m styleengine CONTENT STYLE [STYLE ...] -o OUT``: stylise from the command line."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from tqdm import tqdm

from styleengine.device import available_devices
from styleengine.engine import stylize
from styleengine.errors import Cancelled, WeightsError
from styleengine.images import ImageError, save_image
from styleengine.params import Knob, ParamError, StyleParams, knobs
from styleengine.progress import CancelToken, Progress


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="styleengine",
        description="Paint CONTENT in the style of STYLE (Gatys et al. neural style transfer).",
    )
    parser.add_argument("content", help="content image (photo)")
    parser.add_argument("styles", nargs="+", metavar="style", help="style image(s)")
    parser.add_argument("-o", "--output", required=True, help="output file (.png, .jpg, .webp)")
    parser.add_argument("--mask", help="mask image: white = stylise, black = keep the content")
    parser.add_argument("--device", help=f"cpu or cuda:N (default {available_devices()[0]})")
    parser.add_argument("--max-bytes", type=int, help="re-encode to fit this many bytes")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    defaults = StyleParams().as_strings()
    group = parser.add_argument_group("style parameters")
    for knob in knobs():
        group.add_argument(
            knob.flag,
            dest=knob.name,
            metavar=knob.name.upper() if not knob.choices else "{" + ",".join(knob.choices) + "}",
            default=None,
            help=f"{knob.help} (default {defaults[knob.name]}{_range_note(knob)})",
        )
    return parser


def _range_note(knob: Knob) -> str:
    return f"; {knob.describe_range()}" if knob.lo is not None or knob.choices else ""


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    given = {k.name: getattr(args, k.name) for k in knobs() if getattr(args, k.name) is not None}
    cancel = CancelToken()
    try:
        params = StyleParams().with_strings(given)
        bar: tqdm | None = None

        def on_progress(progress: Progress) -> None:
            nonlocal bar
            if not args.quiet:
                if bar is None:  # first report: the inputs were good
                    bar = tqdm(total=progress.iterations, unit="it", dynamic_ncols=True)
                bar.set_postfix_str(
                    f"scale {progress.scale}/{progress.scales} {progress.size[0]}x"
                    f"{progress.size[1]} loss {progress.loss:.4g}"
                )
                bar.update(progress.iteration - bar.n)

        started = time.perf_counter()
        try:
            result = stylize(
                args.content,
                args.styles,
                params,
                mask=args.mask,
                device=args.device,
                on_progress=on_progress,
                progress_every=1,
                cancel=cancel,
            )
        finally:
            if bar is not None:
                bar.close()
        path = save_image(result.image, args.output, max_bytes=args.max_bytes)
    except (ImageError, ParamError, WeightsError, ValueError) as exc:
        print(f"styleengine: error: {exc}", file=sys.stderr)
        return 2
    except Cancelled as exc:
        print(f"styleengine: {exc}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("styleengine: interrupted", file=sys.stderr)
        return 130
    except OSError as exc:
        print(f"styleengine: error: {exc}", file=sys.stderr)
        return 1
    width, height = result.image.size
    print(
        f"wrote {path} ({width}x{height}) in {time.perf_counter() - started:.1f} s, "
        f"{result.iterations} iterations on {result.device} ({result.precision})"
    )
    return 0
