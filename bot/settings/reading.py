"""Reading a settings object from the environment, with a line for each thing wrong."""

from __future__ import annotations

import sys
from typing import TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

_Settings = TypeVar("_Settings", bound=BaseSettings)


def read_settings(kind: type[_Settings], program: str, missing: dict[str, str]) -> _Settings | None:
    """``kind`` from the environment and ``.env``; None after telling stderr what is wrong:
    a required setting that is missing with its line from ``missing``, else each bad one."""
    try:
        return kind()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"]) or "settings"
            if error["type"] == "missing" and where in missing:
                print(f"{program}: {missing[where]}", file=sys.stderr)
            else:
                print(f"{program}: bad setting {where}: {error['msg']}", file=sys.stderr)
        return None
