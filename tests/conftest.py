from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.paint_gate import PaintGate
from tests.postgres_server import PostgresServer

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One real PostgreSQL server for the session (a database per test: ``postgres_url``)."""
    server = PostgresServer()
    server.start()
    yield server
    server.close()


@pytest.fixture
async def postgres_url(postgres: PostgresServer) -> str:
    """A new, empty database on the session's PostgreSQL server."""
    return await postgres.new_database()


@pytest.fixture
def paint_gate(tmp_path: Path) -> Iterator[PaintGate]:
    """Jobs painted in this process (and in processes given its environment) hold at their
    first progress report until the test opens the gate (tests/paint_gate.py)."""
    with PaintGate(tmp_path / "paint-gate").installed() as gate:
        yield gate


@pytest.fixture
def batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every batch the engine paints in this process while the test runs."""
    from styleengine import batch

    sizes: list[int] = []
    real = batch.Lockstep

    def counting(runs: list[Any], place: Any, *, graphs: bool) -> Any:
        sizes.append(len(runs))
        return real(runs, place, graphs=graphs)

    monkeypatch.setattr(batch, "Lockstep", counting)
    return sizes
