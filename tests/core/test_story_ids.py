"""``cms.stories.story_ids``: the ordered, filtered ids a paged story list reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cms import stories
from cms.errors import UsageError
from cms.people import Actor
from cms.store import Store


def test_story_ids_pages_in_list_order_with_filters(store: Store, actor: Actor) -> None:
    start = datetime(2024, 12, 1, tzinfo=UTC)
    with store.session() as session:
        for n in range(7):
            stories.create(session, actor, headline=f"Story {n}",
                           section="politics" if n % 2 else "sport",
                           status="published" if n < 3 else "draft",
                           now=start + timedelta(minutes=n))
    with store.reading() as session:
        everything = [s.id for s in stories.list_stories(session)]
        assert stories.story_ids(session) == everything
        pages = stories.story_ids(session, limit=3) + stories.story_ids(session, limit=3,
                                                                        offset=3)
        assert pages + stories.story_ids(session, offset=6) == everything
        politics = stories.story_ids(session, section="Politics")
        assert politics == [s.id for s in stories.list_stories(session, section="politics")]
        assert len(politics) == 3
        drafts = stories.story_ids(session, status="draft", sort="headline", descending=False)
        assert drafts == [s.id for s in stories.list_stories(session, status="draft",
                                                             sort="headline",
                                                             descending=False)]
        with pytest.raises(UsageError):
            stories.story_ids(session, sort="colour")
        with pytest.raises(UsageError):
            stories.story_ids(session, limit=-1)
