from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.paint_gate import PaintGate

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture
def paint_gate(tmp_path: Path) -> Iterator[PaintGate]:
    """Jobs painted in this process (and in processes given its environment) hold at their
    first progress report until the test opens the gate (tests/paint_gate.py)."""
    with PaintGate(tmp_path / "paint-gate").installed() as gate:
        yield gate
