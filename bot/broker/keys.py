"""Where things live in Redis, and for how long.

A job's run on the broker is one SAQ job whose key is the *dispatch key* (the bot's job id and
the run's number). Its record carries only the small task (:mod:`bot.broker.task`); large bytes
have keys of their own with a TTL: the input images (by sha256, so a re-run shares them), the
latest preview and the outcome with the encoded picture. The worker also keeps a small JSON
report of its progress (:mod:`bot.broker.progress`), and the bot asks a running job to stop
with a cancel key.
"""

from __future__ import annotations

QUEUE = "stylebot"
FUNCTION = "paint"

INPUT_TTL = 24 * 3600  # seconds an input image stays (refreshed by each dispatch)
REPORT_TTL = 3600  # progress, preview and cancel keys
# A picture waits this long for a bot that was down (SAQ keeps its run's record as long).
OUTCOME_TTL = 7 * 24 * 3600


def input_key(digest: str) -> str:
    return f"stylebot:input:{digest}"


def report_key(dispatch: str) -> str:
    return f"stylebot:report:{dispatch}"


def preview_key(dispatch: str) -> str:
    return f"stylebot:preview:{dispatch}"


def outcome_key(dispatch: str) -> str:
    return f"stylebot:outcome:{dispatch}"


def cancel_key(dispatch: str) -> str:
    return f"stylebot:cancel:{dispatch}"
