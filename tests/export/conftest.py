"""Fixtures for export tests: the sample newsroom in a store, and a bundle checker."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cms.export import ExportOptions, ExportReport, export_site
from cms.people import Actor, actor_for
from cms.sample import install_sample, sample_id
from cms.store import Store

# A week after the sample's newest story: everything in it is public by then.
AS_OF = datetime(2024, 12, 30, 3, 0, tzinfo=UTC)
JCS_ID = sample_id("story", "jcs-drones")
JCS_SLUG = "north-korea-readies-more-troops-and-drones-for-russia"


@pytest.fixture
def sample_store(sqlite_store: Store) -> Store:
    """An SQLite store holding the sample newsroom."""
    with sqlite_store.session() as session:
        actor = actor_for(session, "tester", sqlite_store.replica_id)
    install_sample(sqlite_store, actor)
    return sqlite_store


@pytest.fixture
def sample_actor(sample_store: Store) -> Actor:
    """The admin who installed the sample."""
    with sample_store.session() as session:
        return actor_for(session, "tester", sample_store.replica_id)


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    """A render cache private to the test."""
    return tmp_path / "cache"


@pytest.fixture
def run_export(sample_store: Store, cache_dir: Path) -> Iterator[object]:
    """``run_export(out, **options)`` exports the sample store as of :data:`AS_OF`."""

    def run(out: Path | None, **options: object) -> ExportReport:
        options.setdefault("as_of", AS_OF)
        options.setdefault("cache_dir", cache_dir)
        return export_site(sample_store, ExportOptions(out=out, **options))  # type: ignore[arg-type]

    yield run
