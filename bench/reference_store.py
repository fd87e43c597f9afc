"""The reference's store: the plain 2015 recipe's outputs and distances (``bench/reference/``),
kept because they take 15 to 60 CPU minutes a pair; made (``--rebuild-reference``, resumable,
one pair at a time), adopted from elsewhere (``--import-reference``), measured again after the
evaluator changed (``--rescore-reference``), read, and the recipe's time per step measured on
the day's machine."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from PIL import Image

from bench.bench import machine
from bench.pairs import Pair
from bench.plain_gatys import STEPS, PlainGatys
from styleengine import load_image
from styleengine.metrics import EVALUATION_SIZE, Distances, Evaluator

REFERENCE = Path(__file__).resolve().parent / "reference"
REFERENCE_JSON = REFERENCE / "reference.json"


def load_reference() -> dict[str, Any]:
    if REFERENCE_JSON.exists():
        data: dict[str, Any] = json.loads(REFERENCE_JSON.read_text())
        return data
    return {
        "evaluator": {"size": EVALUATION_SIZE, "weights": "caffe", "precision": "fp32"},
        "pairs": {},
    }


def save_reference(data: dict[str, Any]) -> None:
    REFERENCE.mkdir(parents=True, exist_ok=True)
    tmp = REFERENCE_JSON.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    tmp.replace(REFERENCE_JSON)


def _record(pair: Pair, image: Image.Image, distances: Distances, **facts: Any) -> dict[str, Any]:
    path = REFERENCE / f"{pair.name}.png"
    image.save(path, optimize=True)
    return {
        "content": pair.content,
        "style": pair.style,
        "output": path.name,
        "distances": asdict(distances),
        "torch": torch.__version__,
        **facts,
    }


def rebuild_reference(pairs: list[Pair], evaluator: Evaluator, force: bool) -> None:
    data = load_reference()
    for pair in pairs:
        if pair.name in data["pairs"] and not force:
            print(f"{pair.name}: kept ({data['pairs'][pair.name].get('made_by', '?')})")
            continue
        content, style = pair.images()
        recipe = PlainGatys(content, style)
        print(
            f"{pair.name}: {STEPS} fp32 steps at {recipe.size[0]}x{recipe.size[1]} ...", flush=True
        )

        def on_step(step: int, loss: float) -> None:
            if step % 100 == 0:
                print(f"  step {step}: loss {loss:.1f}", flush=True)

        result = recipe.run(on_step=on_step)
        data["pairs"][pair.name] = _record(
            pair,
            result.image,
            evaluator.distances(result.image, content, style),
            size=list(result.size),
            style_size=list(result.style_size),
            steps=result.steps,
            seconds=round(result.seconds, 1),
            final_loss=result.final_loss,
            cpu=machine(torch.device("cpu")),
            made_by="bench/plain_gatys.py, all steps fp32",
        )
        save_reference(data)
        print(f"  done in {result.seconds:.0f} s", flush=True)


def import_reference(folder: Path, pairs: list[Pair], evaluator: Evaluator) -> None:
    """Adopt outputs of the same recipe made elsewhere (``<content>__<style>.png`` and, where
    present, a ``reference.jsonl`` with their facts), measured with this evaluator."""
    facts: dict[str, dict[str, Any]] = {}
    jsonl = folder / "reference.jsonl"
    if jsonl.exists():
        for line in jsonl.read_text().splitlines():
            entry = json.loads(line)
            facts[Path(entry["output"]).stem] = entry
    data = load_reference()
    for pair in pairs:
        path = folder / f"{pair.name}.png"
        if not path.exists():
            print(f"{pair.name}: not in {folder}")
            continue
        content, style = pair.images()
        image = load_image(path)
        known = facts.get(pair.name, {})
        data["pairs"][pair.name] = _record(
            pair,
            image,
            evaluator.distances(image, content, style),
            size=list(image.size),
            style_size=known.get("style_size"),
            steps=known.get("steps"),
            seconds=known.get("seconds"),
            final_loss=known.get("final_loss_fp32"),
            cpu=known.get("cpu"),
            made_by=f"imported from {folder.name}/: the same recipe, "
            f"{known.get('bf16_steps', 0)} of its steps under bf16 autocast, the rest fp32",
        )
        print(f"{pair.name}: imported")
    save_reference(data)


def rescore_reference(pairs: list[Pair], evaluator: Evaluator) -> None:
    """Measure the stored outputs again with today's evaluator (after it changed)."""
    data = load_reference()
    for pair in pairs:
        entry = data["pairs"].get(pair.name)
        if entry is None:
            print(f"{pair.name}: no stored output")
            continue
        content, style = pair.images()
        image = load_image(REFERENCE / entry["output"])
        entry["distances"] = asdict(evaluator.distances(image, content, style))
        print(f"{pair.name}: measured again", flush=True)
    save_reference(data)


def reference_seconds_per_step(pair: Pair, steps: int) -> float:
    """The reference recipe's fp32 time per step on this machine (after one warm-up step)."""
    content, style = pair.images()
    recipe = PlainGatys(content, style)
    recipe.run(1)
    return recipe.run(steps).seconds / steps
