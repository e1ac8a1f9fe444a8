"""Fixtures for the photo tests: a story to attach to."""

from __future__ import annotations

import pytest

from cms import stories
from cms.people import Actor
from cms.store import Store


@pytest.fixture
def story_id(store: Store, actor: Actor) -> str:
    """A fresh story on the parametrised store."""
    with store.session() as session:
        saved = stories.create(session, actor, headline="Goat tests the fence",
                               body="First paragraph.\n\nSecond paragraph.")
    return saved.document.story_id


def head(store: Store, story_id: str) -> str:
    """The story's current revision id."""
    with store.reading() as session:
        return stories.head_revision(session, story_id)
