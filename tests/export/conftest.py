"""Fixtures for export tests: the sample newsroom in a store, and a bundle checker."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import pytest

from cms import stories
from cms.document import LinkRef
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


class RunExport(Protocol):
    """The ``run_export`` fixture: ``options`` are :class:`ExportOptions` fields."""

    def __call__(self, out: Path | None, **options: Any) -> ExportReport: ...


@pytest.fixture
def run_export(sample_store: Store, cache_dir: Path) -> Iterator[RunExport]:
    """``run_export(out, **options)`` exports the sample store as of :data:`AS_OF`."""

    def run(out: Path | None, **options: Any) -> ExportReport:
        options.setdefault("as_of", AS_OF)
        options.setdefault("cache_dir", cache_dir)
        return export_site(sample_store, ExportOptions(out=out, **options))

    yield run


SECTIONS = ("politics", "world", "business")
TAGS = ("seoul", "markets", "drones", "energy", "courts")


@pytest.fixture
def archive(sample_store: Store, sample_actor: Actor) -> list[str]:
    """The sample newsroom plus 100 stories: sections and tags listing more than one
    page, and "Read next" lists linking the stories to one another."""
    chance = random.Random(6)
    ids: list[str] = []
    with sample_store.session() as session:
        for number in range(100):
            saved = stories.create(
                session, sample_actor, headline=f"Story number {number} of the archive",
                body=f"Paragraph {number}.\n\n## A subhead\n\nMore text.\n",
                section=SECTIONS[number % 3], tags=chance.sample(TAGS, 2),
                status="published", publish_at=AS_OF - timedelta(hours=number + 1))
            ids.append(saved.document.story_id)
        for number, story_id in enumerate(ids[:40]):
            links = tuple(LinkRef(str(uuid.uuid4()), target_story_id=target)
                          for target in chance.sample(ids, 3) if target != story_id)
            stories.edit(session, sample_actor, story_id, related=links,
                         now=AS_OF - timedelta(minutes=number + 1))
    return ids
