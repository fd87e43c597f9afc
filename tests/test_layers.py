"""The packages' layers hold: a module imports only from its own layer and the layers below it
(docs/architecture.md draws them), the engine knows nothing of Discord or the bot, and only the
bot's painting code touches torch."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# Bottom first. A name covers the module and everything under it.
LAYERS = [
    ["styleengine"],
    ["bot.settings", "bot.text", "bot.job", "bot.looplag", "bot.endpoints", "bot.gallery"],
    ["bot.store", "bot.broker", "bot.painting", "bot.ratelimit", "bot.observe"],
    ["bot.ui"],
    ["bot.jobs"],
    ["bot.app", "bot.worker", "bot.observe.bot_side", "bot.observe.worker_side"],
    ["bot.commands", "bot.observe.listeners"],
    ["bot.__main__"],
]


def _modules() -> dict[str, Path]:
    found = {}
    for package in ("bot", "styleengine"):
        for path in (ROOT / package).rglob("*.py"):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _imports(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _layer(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (length of the matching name, layer)
    for level, names in enumerate(LAYERS):
        for name in names:
            if (module == name or module.startswith(name + ".")) and (
                best is None or len(name) > best[0]
            ):
                best = (len(name), level)
    return None if best is None else best[1]


def test_every_module_has_a_layer():
    assert [m for m in _modules() if _layer(m) is None and m != "bot"] == []


def test_no_import_runs_up_the_layers():
    upward = []
    for module, path in _modules().items():
        mine = _layer(module)
        for imported in _imports(path):
            theirs = _layer(imported)
            if mine is not None and theirs is not None and theirs > mine:
                upward.append(f"{module} (layer {mine}) imports {imported} (layer {theirs})")
    assert upward == []


def test_the_engine_knows_no_discord_and_only_painting_code_touches_torch():
    wrong = []
    for module, path in _modules().items():
        imports = _imports(path)
        if module.startswith("styleengine") and any(
            name.split(".")[0] in ("discord", "bot", "aiohttp", "saq") for name in imports
        ):
            wrong.append(f"{module} imports Discord or the bot")
        painting = module.startswith("bot.painting")
        if module.startswith("bot") and not painting and _touches_torch(imports):
            wrong.append(f"{module} imports torch")
    assert wrong == []


def _touches_torch(imports: set[str]) -> bool:
    return any(name.split(".")[0] in ("torch", "torchvision") for name in imports)
