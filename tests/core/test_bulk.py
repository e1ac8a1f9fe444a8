"""A bulk load shows its stories exactly as saving each one on its own does (one projection)."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from cms import stories
from cms.bulk import create_many
from cms.document import LinkRef, StoryDocument
from cms.models import RelatedLink, Story, StoryTag, table_of
from cms.people import Actor
from cms.projection import story_values
from cms.store import Store

AT = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
SHOWN = (*(name for name in story_values(StoryDocument(story_id="x", slug="x", headline="x"))
           if name != "slug"), "created_at", "created_by", "updated_at", "updated_by")


def _shown(store: Store, slug: str) -> tuple[object, ...]:
    story = table_of(Story)
    with store.reading() as session:
        row = session.execute(sa.select(story.c.id, *(story.c[name] for name in SHOWN))
                              .where(story.c.slug == slug)).one()
        story_id, *values = row
        tags = session.scalars(sa.select(StoryTag.tag).where(StoryTag.story_id == story_id)
                               .order_by(StoryTag.tag)).all()
        links = session.scalars(sa.select(RelatedLink.url).where(
            RelatedLink.story_id == story_id)).all()
    return (*values, tuple(tags), tuple(links))


def test_a_bulk_load_shows_what_single_saves_show(store: Store, actor: Actor) -> None:
    doc = StoryDocument(story_id="a" * 32, slug="single", headline="Tram approved",
                        body="One.\n\nTwo words.", byline="Kim", section=None,
                        tags=("transport", "city"), aliases=("/old/tram/",),
                        related=(LinkRef("l1", url="https://example.org/tram"),))
    with store.session() as session:
        stories.save(session, actor, doc, new=True, now=AT, message="created")
        create_many(session, actor, [doc.evolve(
            story_id="b" * 32, slug="bulk",
            related=(LinkRef("l2", url="https://example.org/tram"),))], now=AT)
    single, bulk = _shown(store, "single"), _shown(store, "bulk")
    assert bulk == single
    assert '"/old/tram/"' in str(bulk[SHOWN.index("aliases")])
