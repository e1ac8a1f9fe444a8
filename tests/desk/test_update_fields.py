"""What an update to a live story changes, when a field is cleared (its key absent)."""

from __future__ import annotations

import pytest

from cms import stories, transitions
from cms.desk import updates
from cms.errors import UsageError
from cms.people import Actor, actor_for
from cms.store import Store


@pytest.fixture
def chief(sqlite_store: Store) -> Actor:
    with sqlite_store.session() as session:
        return actor_for(session, "ana", sqlite_store.replica_id)


def test_clearing_the_language_is_a_change_and_clashes_with_setting_it(
        sqlite_store: Store, chief: Actor) -> None:
    with sqlite_store.session() as session:
        story = stories.create(session, chief, headline="서울 소식", body="Text.",
                               language="ko").document.story_id
        transitions.transition(session, chief, story, "published")
        cleared = updates.propose(session, chief, story, {"language": ""}, message="desk's")
        views = {view.id: view for view in updates.updates_of(session, story)}
        assert views[cleared].fields == ("language",)
        with pytest.raises(UsageError, match=r"still pending and changes language too"):
            updates.propose(session, chief, story, {"language": "en-GB"})


def test_clearing_the_aliases_is_a_change() -> None:
    before = {"headline": "A", "aliases": ["/old/"], "language": "ko", "status": "published"}
    after = {"headline": "A", "status": "published"}
    assert updates.changed_fields(before, after) == ("aliases", "language")
    assert updates.changed_fields(after, before) == ("aliases", "language")
