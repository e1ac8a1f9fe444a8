"""Fixtures for sync tests: a central store on each backend and replicas around it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from tests.sync.helpers import Replica, make_central


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def central(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh central store: a shared SQLite file, then a PostgreSQL database."""
    if request.param == "sqlite":
        return make_central(str(tmp_path / "central.db"))
    return make_central(request.getfixturevalue("pg_url"))


@pytest.fixture
def replicas(central: str, tmp_path: Path) -> Iterator[Callable[..., Replica]]:
    """A factory for replicas of ``central`` (closed afterwards)."""
    made: list[Replica] = []

    def factory(name: str = "ed", offset: timedelta = timedelta(0)) -> Replica:
        replica = Replica(tmp_path / f"{name}-{len(made)}.db", central, name=name,
                          offset=offset)
        made.append(replica)
        return replica

    yield factory
    for replica in made:
        replica.close()
