"""Fixtures for import tests: the sites of :mod:`tests.importing.sites` in a store."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from cms import stories
from cms.document import StoryDocument
from cms.models import Revision
from cms.store import Store


def story(store: Store, slug: str) -> StoryDocument:
    """The current document of the story with ``slug``."""
    with store.reading() as session:
        return stories.get(session, slug)[0]


def revision_count(store: Store) -> int:
    """How many revisions the store holds (a second import must add none)."""
    with store.reading() as session:
        return int(session.scalar(sa.select(sa.func.count()).select_from(Revision)) or 0)


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    """Where a test writes its site."""
    return tmp_path / "site"
