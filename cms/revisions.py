"""Immutable revisions: writing them idempotently and projecting a head into ``stories``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.clock import next_hlc
from cms.document import StoryDocument, canonical_json, document_from_json, revision_id
from cms.errors import Ambiguous, NotFound
from cms.models import (
    PhotoPlacement,
    RelatedLink,
    Revision,
    RevisionParent,
    Story,
    StoryTag,
    table_of,
)
from cms.projection import Row, children, new_story_row, story_values
from cms.revlog import record_arrivals
from cms.sqlutil import insert_ignore
from cms.store import store_derives


@dataclass(frozen=True)
class RevisionInfo:
    """A revision as history shows it."""

    id: str
    story_id: str
    parents: tuple[str, ...]
    author: str
    replica_id: str
    created_at: datetime
    hlc: str
    message: str

    @property
    def short(self) -> str:
        """The first 12 hex digits, enough to name a revision."""
        return self.id[:12]


def _info(row: Revision) -> RevisionInfo:
    return RevisionInfo(
        id=row.id,
        story_id=row.story_id,
        parents=tuple(json.loads(row.parents)),
        author=row.author,
        replica_id=row.replica_id,
        created_at=row.created_at,
        hlc=row.hlc,
        message=row.message,
    )


def revision_row(
    session: Session,
    document: StoryDocument,
    parents: Sequence[str],
    *,
    author: str,
    replica_id: str,
    now: datetime,
    message: str,
) -> Row:
    """The ``revisions`` row of ``document`` after ``parents`` (its id is its content address)."""
    canonical = document.canonical()
    return {
        "id": revision_id(canonical, parents), "story_id": document.story_id,
        "parents": json.dumps(list(parents)), "author": author, "replica_id": replica_id,
        "created_at": now, "hlc": next_hlc(session, now), "message": message,
        "content": canonical_json(canonical),
    }


def write_revision(
    session: Session,
    document: StoryDocument,
    parents: Sequence[str],
    *,
    author: str,
    replica_id: str,
    now: datetime,
    message: str = "",
) -> str:
    """Store one revision (idempotently) and return its id."""
    row = revision_row(session, document, parents, author=author, replica_id=replica_id,
                       now=now, message=message)
    rev_id = str(row["id"])
    insert_ignore(session, table_of(Revision), [row])
    insert_ignore(
        session,
        table_of(RevisionParent),
        [{"revision_id": rev_id, "parent_id": parent} for parent in parents],
    )
    # Number it in this store's revision log, which a sync pushes from (cms.sync).
    record_arrivals(session, [(rev_id, document.story_id)])
    return rev_id


def project_head(
    session: Session,
    document: StoryDocument,
    rev_id: str,
    *,
    author: str,
    now: datetime,
    exists: bool | None = None,
    previous: StoryDocument | None = None,
) -> None:
    """Make ``stories`` (and its tags, photos and links) show ``document`` as the head.

    ``exists`` says whether the story already has a row (looked up when None).
    ``previous`` is the document the row shows now, when the caller has it: text
    columns that did not change are then left alone, so a status or schedule
    change does not make the search index re-read the whole body, and children
    (tags, photos, links) are only rewritten when they changed.
    """
    doc = document.normalised()
    stories = table_of(Story)
    if exists is None:
        exists = session.execute(
            sa.select(stories.c.pk).where(stories.c.id == doc.story_id)
        ).first() is not None
    if doc.deleted:
        session.execute(sa.delete(stories).where(stories.c.id == doc.story_id))
        return
    # Parameters rather than .values(...): one cached statement for every save.
    if not exists:
        session.execute(sa.insert(stories), [new_story_row(doc, rev_id, author=author, at=now)])
        _replace_children(session, doc, fresh=True)
        return
    values = {**story_values(doc), "updated_at": now, "updated_by": author, "revision_id": rev_id}
    before = previous.normalised() if previous is not None else None
    if before is not None:
        for name in ("headline", "standfirst", "body"):
            if getattr(before, name) == getattr(doc, name):
                del values[name]
    session.execute(
        sa.update(stories).where(stories.c.id == sa.bindparam("story_id")),
        [{"story_id": doc.story_id, **values}],
    )
    if before is None or (before.tags, before.photos, before.related) != (
        doc.tags, doc.photos, doc.related
    ):
        _replace_children(session, doc, fresh=False)


def _replace_children(session: Session, doc: StoryDocument, *, fresh: bool) -> None:
    if store_derives(session):
        return  # a secured central rebuilds them from the revision itself
    if not fresh:
        for table in (table_of(StoryTag), table_of(PhotoPlacement), table_of(RelatedLink)):
            session.execute(sa.delete(table).where(table.c.story_id == doc.story_id))
    rows = children(doc)
    for model, part in ((StoryTag, rows.tags), (PhotoPlacement, rows.photos),
                        (RelatedLink, rows.links)):
        if part:
            session.execute(sa.insert(table_of(model)), part)


def load_document(session: Session, rev_id: str) -> StoryDocument:
    """The document a revision holds."""
    content = session.scalar(sa.select(Revision.content).where(Revision.id == rev_id))
    if content is None:
        raise NotFound(f"no revision {rev_id}")
    return document_from_json(content)


def revision_info(session: Session, rev_id: str) -> RevisionInfo:
    """Metadata of one revision."""
    row = session.get(Revision, rev_id)
    if row is None:
        raise NotFound(f"no revision {rev_id}")
    return _info(row)


def story_revisions(session: Session, story_id: str) -> list[RevisionInfo]:
    """Every revision of a story, newest first (by hybrid logical clock)."""
    rows = session.scalars(
        sa.select(Revision).where(Revision.story_id == story_id).order_by(Revision.hlc.desc())
    )
    return [_info(row) for row in rows]


def resolve_revision(session: Session, story_id: str, ref: str, head: str) -> str:
    """A revision of ``story_id`` named by id, unique prefix (4+ digits), ``head`` or ``head~N``."""
    text = ref.strip().lower()
    if text == "head" or text.startswith("head~"):
        steps_text = text[5:] if text.startswith("head~") else "0"
        if not steps_text.isdigit():
            raise NotFound(f"bad revision reference {ref!r}: use head, head~N or an id")
        current = head
        for _ in range(int(steps_text)):
            parents = revision_info(session, current).parents
            if not parents:
                raise NotFound(f"{ref}: the story has fewer revisions than that")
            current = parents[0]
        return current
    if len(text) < 4 or any(ch not in "0123456789abcdef" for ch in text):
        raise NotFound(f"no revision {ref!r}: give at least 4 hex digits of its id")
    matches = list(
        session.scalars(
            sa.select(Revision.id)
            .where(Revision.story_id == story_id, Revision.id.startswith(text))
            .limit(5)
        )
    )
    if not matches:
        raise NotFound(f"the story has no revision {ref!r}")
    if len(matches) > 1:
        raise Ambiguous(f"revision {ref!r} is ambiguous: " + ", ".join(m[:12] for m in matches))
    return matches[0]
