"""Projecting replicated revisions into ``stories`` (one at a time, or in bulk).

A projected head must satisfy the ``stories`` constraints that a revision does
not carry: its photos' blobs present (a revision may arrive before its photo),
its section present, its slug unique among stories. A revision whose blob is
missing is not projected yet (the story keeps showing its previous head); a slug
taken by another story is shown with the story id's first digits appended.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.document import StoryDocument, document_from_json
from cms.models import (
    Blob,
    PhotoPlacement,
    RelatedLink,
    Revision,
    Section,
    Story,
    StoryTag,
    table_of,
)
from cms.projection import Row, children, new_story_row
from cms.revisions import project_head
from cms.sqlutil import chunks, insert_ignore, insert_rows
from cms.store import store_derives


@dataclass(frozen=True)
class Head:
    """A revision chosen to be shown, with what projection needs from its row."""

    id: str
    document: StoryDocument
    author: str
    created_at: datetime


def load_heads(session: Session, rev_ids: Sequence[str]) -> dict[str, Head]:
    """Load revisions for projection, keyed by id."""
    out: dict[str, Head] = {}
    for part in chunks(rev_ids):
        chunk = list(part)
        rows = session.execute(
            sa.select(Revision.id, Revision.content, Revision.author, Revision.created_at)
            .where(Revision.id.in_(chunk))
        )
        for rev_id, content, author, created_at in rows:
            out[rev_id] = Head(rev_id, document_from_json(content), author, created_at)
    return out


def missing_blobs(session: Session, docs: Sequence[StoryDocument]) -> set[str]:
    """Photo hashes the documents place that this store does not hold."""
    wanted = sorted({p.sha256 for doc in docs if not doc.deleted for p in doc.photos})
    have: set[str] = set()
    for part in chunks(wanted):
        have.update(session.scalars(
            sa.select(Blob.sha256).where(Blob.sha256.in_(list(part)))))
    return set(wanted) - have


def _ensure_sections(session: Session, docs: Sequence[StoryDocument]) -> None:
    wanted = {doc.section for doc in docs if doc.section and not doc.deleted}
    if not wanted:
        return
    have = set(session.scalars(sa.select(Section.slug).where(Section.slug.in_(wanted))))
    top = session.scalar(sa.select(sa.func.max(Section.position))) or 0
    rows = [
        {"slug": slug, "name": slug.replace("-", " ").title(), "position": top + n}
        for n, slug in enumerate(sorted(wanted - have), start=1)
    ]
    insert_ignore(session, table_of(Section), rows)


def _free_slugs(session: Session, docs: Sequence[StoryDocument]) -> dict[str, str]:
    """The slug each document can be shown under (its own unless another story has it)."""
    wanted = {doc.story_id: doc.slug for doc in docs}
    owners: dict[str, str] = {}
    slugs = sorted(set(wanted.values()))
    for part in chunks(slugs):
        for slug, story_id in session.execute(
            sa.select(Story.slug, Story.id).where(Story.slug.in_(list(part)))
        ):
            owners[slug] = story_id
    result: dict[str, str] = {}
    for story_id, slug in sorted(wanted.items()):
        owner = owners.get(slug)
        if owner is not None and owner != story_id:
            slug = f"{slug}-{story_id[:8]}"
        owners.setdefault(slug, story_id)
        result[story_id] = slug
    return result


def project(session: Session, heads: Sequence[Head]) -> set[str]:
    """Show each head in ``stories``; returns the story ids left waiting for a photo blob."""
    if not heads:
        return set()
    docs = [h.document for h in heads]
    absent = missing_blobs(session, docs)
    waiting = {h.document.story_id for h in heads
               if any(p.sha256 in absent for p in h.document.photos) and not h.document.deleted}
    ready = [h for h in heads if h.document.story_id not in waiting]
    _ensure_sections(session, [h.document for h in ready])
    existing: set[str] = set()
    ids = [h.document.story_id for h in ready]
    for part in chunks(ids):
        existing.update(session.scalars(
            sa.select(Story.id).where(Story.id.in_(list(part)))))
    slugs = _free_slugs(session, [h.document for h in ready if not h.document.deleted])
    fresh = [h for h in ready if h.document.story_id not in existing and not h.document.deleted]
    for head in ready:
        if head.document.story_id in existing or head.document.deleted:
            doc = head.document
            if not doc.deleted:
                doc = doc.evolve(slug=slugs[doc.story_id])
            project_head(session, doc, head.id, author=head.author,
                         now=head.created_at)
    _bulk_insert(session, fresh, slugs)
    return waiting


def _bulk_insert(session: Session, heads: Sequence[Head], slugs: dict[str, str]) -> None:
    """Insert stories that are not shown yet, a few statements per batch (initial sync)."""
    if not heads:
        return
    stories: list[Row] = []
    tags: list[Row] = []
    photos: list[Row] = []
    links: list[Row] = []
    for head in heads:
        # Read back from canonical JSON: already normalised; the slug may have given way.
        doc = head.document.evolve(slug=slugs[head.document.story_id])
        stories.append(new_story_row(doc, head.id, author=head.author, at=head.created_at))
        kids = children(doc)
        tags.extend(kids.tags)
        photos.extend(kids.photos)
        links.extend(kids.links)
    insert_rows(session, table_of(Story), stories)
    if store_derives(session):
        return  # a secured central rebuilds photos, links and tags from the revision
    for table, rows in ((StoryTag, tags), (PhotoPlacement, photos), (RelatedLink, links)):
        insert_rows(session, table_of(table), rows)
