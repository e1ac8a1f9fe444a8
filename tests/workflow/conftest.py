"""A small desk for workflow tests: one person per role and a helper to make stories."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest

from cms import stories
from cms.people import Actor, actor_for, add_person
from cms.store import Store

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@dataclass
class Desk:
    """The store plus an actor for every role (``admin`` is the store's first person)."""

    store: Store
    admin: Actor
    chief: Actor
    editor: Actor
    reporter: Actor

    def story(self, headline: str = "Council approves the new tram line", *,
              status: str = "draft", body: str = "", publish_at: datetime | None = None) -> str:
        """Create a story as the admin, walked to ``status``; returns its id."""
        with self.store.session() as session:
            saved = stories.create(session, self.admin, headline=headline, body=body,
                                   status=status, publish_at=publish_at, now=NOW)
        return saved.document.story_id

    def status(self, story_id: str) -> str:
        """The story's current status."""
        with self.store.reading() as session:
            return stories.get(session, story_id)[0].status


def make_desk(store: Store) -> Desk:
    """Register the admin first (first person on a store), then one person per role."""
    with store.session() as session:
        admin = actor_for(session, "ada", store.replica_id)
        made = {}
        for name, role in (("chloe", "desk_chief"), ("eddie", "editor"), ("rita", "reporter")):
            add_person(session, admin, name, role)
            made[role] = Actor(name, role, store.replica_id)
    return Desk(store, admin, made["desk_chief"], made["editor"], made["reporter"])


@pytest.fixture
def desk(store: Store) -> Desk:
    """A desk on each backend (SQLite file, PostgreSQL)."""
    return make_desk(store)


@pytest.fixture
def sqlite_desk(sqlite_store: Store) -> Desk:
    """A desk on an SQLite file only (for tests that are not about the backend)."""
    return make_desk(sqlite_store)
