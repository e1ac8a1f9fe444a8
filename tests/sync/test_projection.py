"""One projection: a story synced to a new laptop shows in ``stories`` exactly as where it was
written (the initial sync's bulk insert once left the aliases out)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from cms.document import LinkRef, StoryDocument
from cms.models import RelatedLink, Story, StoryTag, table_of
from cms.projection import story_values
from tests.sync.helpers import Replica

SHOWN = (*story_values(StoryDocument(story_id="x", slug="x", headline="x")),
         "revision_id")


Shown = tuple[tuple[object, ...], tuple[str, ...], tuple[tuple[object, ...], ...]]


def _shown(replica: Replica, story_id: str) -> Shown:
    with replica.store.reading() as session:
        story = table_of(Story)
        row = session.execute(sa.select(*(story.c[name] for name in SHOWN))
                              .where(story.c.id == story_id)).one()
        tags = session.scalars(sa.select(StoryTag.tag).where(StoryTag.story_id == story_id)
                               .order_by(StoryTag.tag)).all()
        links = session.execute(sa.select(RelatedLink.target_story_id, RelatedLink.position)
                                .where(RelatedLink.story_id == story_id)).all()
    return tuple(row), tuple(tags), tuple(tuple(link) for link in links)


def test_a_new_laptop_shows_what_the_writer_shows(replicas: Callable[..., Replica]) -> None:
    ana = replicas("ana")
    target = ana.create("Assembly votes", "One.\n\nTwo.")
    story = ana.create("Goat tests fence", "First paragraph.\n\nSecond paragraph.")
    ana.edit(story, tags=["goats", "fences"], aliases=("/old/goat/",),
             related=(LinkRef("l1", target_story_id=target),), slug="goat-fence")
    ana.sync()
    bo = replicas("bo")  # a fresh copy: its first sync inserts every story in bulk
    bo.sync()
    for story_id in (story, target):
        assert _shown(bo, story_id) == _shown(ana, story_id)
    row, tags, links = _shown(bo, story)
    assert '"/old/goat/"' in str(row[SHOWN.index("aliases")])
    assert tags == ("fences", "goats") and links == ((target, 0),)
