"""Entry point of the Discord bot (not built yet: see the open issue for the bot)."""

import sys


def main() -> int:
    print("StyleBot: the Discord bot is not built yet; use `python -m styleengine` for now.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
