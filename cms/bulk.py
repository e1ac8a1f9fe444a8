"""Creating many new stories at once: the importer's and the benchmarks' fast path.

Each story still gets a proper first revision (same id as :func:`cms.stories.save`
would give it) and the same checks; only the round trips are batched.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import workflow
from cms.aliases import check_aliases
from cms.document import StoryDocument
from cms.errors import UsageError
from cms.models import Base, PhotoPlacement, RelatedLink, Revision, Story, StoryTag, table_of
from cms.people import Actor
from cms.projection import children, new_story_row
from cms.revisions import revision_row
from cms.revlog import record_arrivals
from cms.slugs import validate_slug
from cms.sqlutil import chunks
from cms.store import store_derives
from cms.stories import ensure_section
from cms.timeutil import utcnow
from cms.validate import check_body, check_headline, check_language


def create_many(
    session: Session,
    actor: Actor,
    documents: Sequence[StoryDocument],
    *,
    now: datetime | None = None,
    message: str = "created",
) -> list[str]:
    """Insert new stories (ids and slugs must be unused); returns their revision ids."""
    when = now or utcnow()
    docs = [doc.normalised() for doc in documents]
    slugs = [doc.slug for doc in docs]
    if len(set(slugs)) != len(slugs):
        raise UsageError("two new stories share a slug")
    for doc in docs:
        check_headline(doc.headline)
        check_body(doc.body)
        validate_slug(doc.slug)
        check_aliases(doc.aliases)
        check_language(doc.language)
        if doc.section is not None:
            ensure_section(session, doc.section)
    taken = set()
    for part in chunks(docs):
        taken |= set(session.scalars(sa.select(Story.slug).where(
            Story.slug.in_([d.slug for d in part]))))
        taken |= set(session.scalars(sa.select(Story.id).where(
            Story.id.in_([d.story_id for d in part]))))
    clash = [d.slug for d in docs if d.slug in taken or d.story_id in taken]
    if clash:
        raise UsageError(f"stories exist already: {', '.join(clash[:5])}")

    # The same workflow rules as a single save: creating a published story needs a desk chief.
    moves = workflow.check_new_many(session, actor, docs, message=message, now=when)
    revisions: list[dict[str, object]] = []
    stories: list[dict[str, object]] = []
    tags: list[dict[str, object]] = []
    photos: list[dict[str, object]] = []
    links: list[dict[str, object]] = []
    rev_ids: list[str] = []
    for doc, move in zip(docs, moves, strict=True):
        row = revision_row(session, doc, [], author=actor.username, replica_id=actor.replica_id,
                           now=when, message=f"{message}; {move.message()}" if move else message)
        rev = str(row["id"])
        rev_ids.append(rev)
        revisions.append(row)
        stories.append(new_story_row(doc, rev, author=actor.username, at=when))
        kids = children(doc)
        tags.extend(kids.tags)
        photos.extend(kids.photos)
        links.extend(kids.links)
    tables: tuple[tuple[type[Base], list[dict[str, object]]], ...] = (
        (Revision, revisions), (Story, stories), (StoryTag, tags),
        (PhotoPlacement, photos), (RelatedLink, links),
    )
    for model, rows in tables:
        if rows and (model in (Revision, Story) or not store_derives(session)):
            session.execute(sa.insert(table_of(model)), rows)
    workflow.record_many(
        session, [(move, rev) for move, rev in zip(moves, rev_ids, strict=True) if move]
    )
    # Number them in the revision log exactly as single saves do, so a sync sends them.
    record_arrivals(session, [(rev, doc.story_id) for rev, doc in zip(rev_ids, docs, strict=True)])
    return rev_ids
