"""``python -m styleengine CONTENT STYLE [STYLE ...] -o OUT``: stylise from the command line."""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence

from tqdm import tqdm

from styleengine.clip_writer import CLIP_FORMATS, save_clip
from styleengine.clips import ClipLimits, is_animated, read_clip
from styleengine.device import available_devices
from styleengine.engine import stylize
from styleengine.errors import Cancelled, WeightsError
from styleengine.images import ImageError, save_image
from styleengine.params import Knob, ParamError, StyleParams, knobs
from styleengine.progress import CancelToken, Progress
from styleengine.sequence import stylize_clip

CLI_FRAMES = 240  # a clip's limits from the command line: the machine is the user's own
CLI_SECONDS = 30.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="styleengine",
        description="Paint CONTENT in the style of STYLE (Gatys et al. neural style transfer).",
    )
    parser.add_argument("content", help="content image (photo)")
    parser.add_argument("styles", nargs="+", metavar="style", help="style image(s)")
    parser.add_argument(
        "-o",
        "--output",
        required=True,
        help="output file (.png, .jpg, .webp); for a clip (GIF, animated WebP or PNG, MP4, WebM, "
        "MOV) .gif, .webp, .mp4 or a folder DIR/ (one PNG a frame)",
    )
    parser.add_argument("--mask", help="mask image: white = stylise, black = keep the content")
    parser.add_argument("--device", help=f"cpu or cuda:N (default {available_devices()[0]})")
    parser.add_argument("--max-bytes", type=int, help="re-encode to fit this many bytes")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--max-frames", type=int, default=CLI_FRAMES,
                        help=f"clips: paint at most this many frames, the frame rate lowered to "
                        f"fit (default {CLI_FRAMES})")  # fmt: skip
    parser.add_argument("--max-seconds", type=float, default=CLI_SECONDS,
                        help=f"clips: paint at most this many seconds (default "
                        f"{CLI_SECONDS:g})")  # fmt: skip
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
        if _is_clip(args.content, args.output):
            return _clip(args, params, cancel, started)
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


def _is_clip(content: str, output: str) -> bool:
    """A clip in, or a clip's output asked for (which a still photo cannot give)."""
    clip_out = output.endswith(("/", "\\")) or output.lower().endswith((".gif", ".mp4"))
    try:
        animated = is_animated(content)
    except OSError:
        return False  # the still path says what is wrong with the file
    if clip_out and not animated:
        raise ValueError(
            f"{content} is a still picture: it gives a still (.png, .jpg or .webp), not {output}"
        )
    return animated


def _clip(
    args: argparse.Namespace, params: StyleParams, cancel: CancelToken, started: float
) -> int:
    """Paint a clip (the errors are the caller's to report)."""
    suffix = args.output.rsplit(".", 1)[-1].lower()
    if not args.output.endswith(("/", "\\")) and suffix not in CLIP_FORMATS:
        raise ValueError(
            f"a clip is written as .gif, .webp, .mp4 or a folder DIR/, not {args.output}"
        )
    limits = ClipLimits(frames=args.max_frames, seconds=args.max_seconds, side=params.size)
    clip = read_clip(args.content, limits)
    if clip.trimmed:
        print(
            f"styleengine: painting the first {clip.seconds:.1f} s (--max-seconds)", file=sys.stderr
        )
    if clip.thinned:
        print(
            f"styleengine: painting {len(clip.frames)} of its frames (--max-frames)",
            file=sys.stderr,
        )
    bar: tqdm | None = None

    def on_progress(progress: Progress) -> None:
        nonlocal bar
        if args.quiet:
            return
        if bar is None:
            bar = tqdm(total=progress.frames, unit="frame", dynamic_ncols=True)
        bar.set_postfix_str(
            f"frame {progress.frame} iteration {progress.iteration}/{progress.iterations}"
        )
        bar.update(progress.frame - 1 - bar.n)

    try:
        result = stylize_clip(
            clip, args.styles, params, mask=args.mask, device=args.device,
            on_progress=on_progress, progress_every=1, cancel=cancel,
        )  # fmt: skip
    finally:
        if bar is not None:
            bar.close()
    path = save_clip(result.frames, result.durations, args.output, loop=result.loop)
    width, height = result.frames[0].size
    print(
        f"wrote {path} ({len(result.frames)} frames, {width}x{height}) in "
        f"{time.perf_counter() - started:.1f} s, {result.iterations} iterations on "
        f"{result.device} ({result.precision})"
    )
    return 0
