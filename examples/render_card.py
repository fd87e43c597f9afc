"""Draw what a member sees when a picture is done: run the real bot against the loopback
Discord double (tests/discord_double), ask for a picture, and render the result card the double
recorded (its Components V2 payload and the files it carried) as a PNG, with the payload beside
it as JSON.

Usage: python examples/render_card.py [--size 256] [--out examples/result_card.png]
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot.app import StyleBot  # noqa: E402
from bot.settings import BotSettings  # noqa: E402
from tests.discord_double.server import DiscordDouble, StoredMessage  # noqa: E402

IMAGES = ROOT / "tests" / "data"
WIDTH, PAD = 560, 16
BACKGROUND, PANEL, TEXT, MUTED = (49, 51, 56), (43, 45, 49), (219, 222, 225), (148, 155, 164)
BUTTON, DANGER = (78, 80, 88), (218, 55, 60)
FONT = ImageFont.load_default(size=13)  # Pillow's own FreeType font: the same on every machine
LINE = 18


async def record(size: int, scratch: str) -> tuple[DiscordDouble, StoredMessage]:
    double = DiscordDouble()
    await double.start()
    settings = BotSettings(  # type: ignore[call-arg]
        _env_file=None, **double.bot_environment(), database=str(Path(scratch) / "card.db")
    )
    bot = StyleBot(settings)
    task = asyncio.create_task(bot.start(double.token))
    await double.wait_for(lambda: bot.get_guild(double.guild_id) and double.commands)
    member = double.add_user("ada")
    photo = double.upload("chelsea.jpg", (IMAGES / "chelsea.jpg").read_bytes(), "image/jpeg")
    await double.post_message(
        member, f"!stylize --style great_wave --size {size} --timelapse yes --seed 1", [photo]
    )
    card = await double.wait_for(
        lambda: next((m for m in double.bot_messages() if "here is" in m.text), None),
        timeout=3600,
    )
    await bot.close()
    await task
    return double, card


def render(double: DiscordDouble, card: StoredMessage) -> Image.Image:
    files = {a["filename"]: double.attachment_bytes(a) for a in card.attachments}
    blocks: list[Image.Image] = []
    for component in card.data["components"]:
        for child in component.get("components") or []:
            blocks.append(_block(child, files))
    height = sum(b.height for b in blocks) + PAD * (len(blocks) + 1)
    sheet = Image.new("RGB", (WIDTH + 2 * PAD, height + 2 * PAD), BACKGROUND)
    draw = ImageDraw.Draw(sheet)
    draw.rectangle([PAD, PAD, PAD + WIDTH, PAD + height], fill=PANEL)
    draw.rectangle([PAD, PAD, PAD + 4, PAD + height], fill=(35, 165, 90))  # the accent colour
    y = 2 * PAD
    for block in blocks:
        sheet.paste(block, (2 * PAD, y))
        y += block.height + PAD
    return sheet


def _block(component: dict[str, Any], files: dict[str, bytes]) -> Image.Image:
    inner = WIDTH - 2 * PAD
    if component["type"] == 10:  # text display
        return _text(component["content"], inner)
    if component["type"] == 12:  # media gallery
        pictures = [_picture(files, item["media"]["url"]) for item in component["items"]]
        across = 1 if len(pictures) == 1 else min(4, len(pictures))
        cell = (inner - 8 * (across - 1)) // across
        rows = -(-len(pictures) // across)
        tall = 1 if across == 1 else 0.75
        cell_h = (
            int(cell * pictures[0].height / pictures[0].width) if across == 1 else int(cell * tall)
        )
        block = Image.new("RGB", (inner, rows * cell_h + 8 * (rows - 1)), PANEL)
        for n, picture in enumerate(pictures):
            scale = min(cell / picture.width, cell_h / picture.height)
            picture = picture.resize((round(picture.width * scale), round(picture.height * scale)))
            x, y = (n % across) * (cell + 8), (n // across) * (cell_h + 8)
            block.paste(picture, (x + (cell - picture.width) // 2, y))
        return block
    if component["type"] == 1:  # a row of buttons
        block = Image.new("RGB", (inner, 34), PANEL)
        draw = ImageDraw.Draw(block)
        x = 0
        for button in component["components"]:
            label = button.get("label") or ""
            width = int(draw.textlength(label, font=FONT)) + 24
            colour = DANGER if button.get("style") == 4 else BUTTON
            draw.rounded_rectangle([x, 2, x + width, 32], radius=6, fill=colour)
            draw.text((x + 12, 9), label, fill=TEXT, font=FONT)
            x += width + 8
        return block
    return Image.new("RGB", (inner, 1), PANEL)


def _picture(files: dict[str, bytes], url: str) -> Image.Image:
    with Image.open(io.BytesIO(files[url.removeprefix("attachment://")])) as image:
        return image.convert("RGB")


def _text(content: str, width: int) -> Image.Image:
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    lines: list[str] = []
    shown = (
        re.sub(r"<@\d+>", "@ada", content).replace("`", "").replace("*", "").replace("\u00d7", "x")
    )
    for paragraph in shown.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            candidate = f"{line} {word}".strip()
            if probe.textlength(candidate, font=FONT) > width and line:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    block = Image.new("RGB", (width, LINE * len(lines)), PANEL)
    draw = ImageDraw.Draw(block)
    for n, line in enumerate(lines):
        draw.text((0, LINE * n + 2), line, fill=TEXT if n == 0 else MUTED, font=FONT)
    return block


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256)
    parser.add_argument("--out", type=Path, default=ROOT / "examples" / "result_card.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        double, card = asyncio.run(record(args.size, scratch))
    render(double, card).save(args.out)
    payload = {k: card.data[k] for k in ("flags", "components", "attachments")}
    for attachment in payload["attachments"]:
        attachment["url"] = attachment["proxy_url"] = "(the double's CDN)"
    args.out.with_suffix(".json").write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {args.out} and {args.out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
