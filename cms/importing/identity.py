"""Which story a source file is, what slug it gets, and what a re-import changes.

A file's story is found by its provenance (site and path, in ``import_sources``),
else by the id derived from the same facts (a replica that synced the story but
never imported the file), else — for stories the earlier, slug-keyed importer
made — by that importer's id. Never by a slug alone: a new file whose slug
another story holds gets a distinct one and is reported as a collision.

A re-import merges field by field against what the last import wrote: a field
the source changed and the desk did not takes the source's value; a field the
desk changed keeps the desk's, with a warning when the source changed it too.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms.document import LinkRef, StoryDocument, canonical_json, document_from_json
from cms.models import ImportSource, Revision, Story, table_of
from cms.sqlutil import chunks

SOURCE_NAMESPACE = uuid.UUID("3b6f1c52-9d0e-4c27-8a41-7e5d2f90c6ab")
LEGACY_NAMESPACE = uuid.UUID("6f0c8d2e-5a36-4b8e-9d43-1b7f0b6e2a10")  # slug-keyed imports
MERGED_FIELDS = ("headline", "standfirst", "body", "byline", "dateline", "section", "tags",
                 "status", "publish_at", "slug", "aliases", "language")


def story_id_for(site_key: str, relative: str) -> str:
    """The id of the story a site's file becomes (the same on every replica)."""
    return str(uuid.uuid5(SOURCE_NAMESPACE, f"{site_key}\n{relative}"))


def translation_link_id(story_id: str, other_id: str) -> str:
    """The id of the "Read next" link from a story to one of its translations."""
    return str(uuid.uuid5(SOURCE_NAMESPACE, f"translation\n{story_id}\n{other_id}"))


@dataclass(frozen=True)
class Head:
    """A story as the store holds it now."""

    story_id: str
    slug: str
    headline: str
    revision_id: str


def provenance(session: Session, site_key: str) -> dict[str, ImportSource]:
    """The site's files imported before, by path."""
    rows = session.scalars(sa.select(ImportSource).where(ImportSource.site == site_key))
    return {row.path: row for row in rows}


def heads(session: Session, story_ids: Sequence[str]) -> dict[str, Head]:
    """The stories among ``story_ids`` that exist, by id."""
    found: dict[str, Head] = {}
    for chunk in chunks(sorted(set(story_ids))):
        for row in session.execute(sa.select(Story.id, Story.slug, Story.headline,
                                             Story.revision_id).where(Story.id.in_(chunk))):
            found[row.id] = Head(row.id, row.slug, row.headline, row.revision_id)
    return found


def deleted(session: Session, story_ids: Sequence[str]) -> set[str]:
    """The ids among ``story_ids`` that have revisions but no story: deleted stories."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(story_ids))):
        found |= set(session.scalars(sa.select(Revision.story_id).where(
            Revision.story_id.in_(chunk)).distinct()))
    return found


def imported_ids(session: Session, story_ids: Sequence[str]) -> set[str]:
    """The ids among ``story_ids`` that some import (of any site) already claims."""
    found: set[str] = set()
    for chunk in chunks(sorted(set(story_ids))):
        found |= set(session.scalars(sa.select(ImportSource.story_id).where(
            ImportSource.story_id.in_(chunk))))
    return found


class Slugs:
    """Slugs taken in the store and claimed by this import, and the way to a free one."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.owner: dict[str, tuple[str, str]] = {}  # slug → (story id, headline)
        self.claimed: dict[str, tuple[str, str]] = {}  # slug → (file, story id) in this import
        self.checked: set[str] = set()  # slugs looked up in the store

    def load(self, slugs: Sequence[str]) -> None:
        """Learn who holds ``slugs`` (and slugs made from them with ``-2``, ``-3``…)."""
        wanted = sorted(set(slugs) - self.checked)
        self.checked.update(wanted)
        for chunk in chunks(wanted):
            for row in self.session.execute(
                    sa.select(Story.slug, Story.id, Story.headline).where(
                        Story.slug.in_(chunk))):
                self.owner[row.slug] = (row.id, row.headline)

    def holder(self, slug: str, story_id: str) -> str | None:
        """Who else holds ``slug``: a story (its headline) or a file of this import (None:
        nobody, or only the story ``story_id`` itself)."""
        claimer = self.claimed.get(slug)
        if claimer is not None and claimer[1] != story_id:
            return f"the file {claimer[0]}"
        owner = self.owner.get(slug)
        if owner is None and claimer is None and slug not in self.checked:
            self.checked.add(slug)
            found = self.session.execute(sa.select(Story.id, Story.headline).where(
                Story.slug == slug)).first()
            if found is not None:
                owner = self.owner[slug] = (found.id, found.headline)
        if owner is not None and owner[0] != story_id:
            return f"the story {owner[1]!r}"
        return None

    def free(self, wanted: str, story_id: str) -> str:
        """``wanted`` if nobody else holds it, else ``wanted-2``, ``wanted-3``…"""
        slug, counter = wanted, 2
        while self.holder(slug, story_id) is not None:
            slug, counter = f"{wanted[:90]}-{counter}", counter + 1
        return slug

    def claim(self, slug: str, relative: str, story_id: str) -> None:
        """Note that this import gives ``slug`` to the file ``relative``."""
        self.claimed[slug] = (relative, story_id)


def merge(last: StoryDocument | None, head: StoryDocument, new: StoryDocument
          ) -> tuple[StoryDocument, list[str]]:
    """``head`` with the source's changes since ``last`` (see the module docstring); the
    fields kept because the desk changed them too."""
    changes: dict[str, object] = {}
    kept: list[str] = []
    for name in MERGED_FIELDS:
        value, current = getattr(new, name), getattr(head, name)
        if last is None:  # no record of what the import wrote: the source's text wins
            if value != current:
                changes[name] = value
            continue
        before = getattr(last, name)
        if value == before:
            continue
        if current == before:
            changes[name] = value
        elif current != value:
            kept.append(name)
    ours = {link.id for link in (last.related if last is not None else ())}
    desk_links = [link for link in head.related if link.id not in ours]
    related = tuple(desk_links + [link for link in new.related
                                  if link.id not in {d.id for d in desk_links}])
    if related != head.related:
        changes["related"] = related
    return (head.evolve(**changes) if changes else head), kept


def translation_links(story_id: str, others: list[tuple[str, str, str]]) -> tuple[LinkRef, ...]:
    """"Read next" links from a story to its translations: ``(id, headline, language)``."""
    return tuple(
        LinkRef(translation_link_id(story_id, other_id), target_story_id=other_id,
                label=f"{headline} ({language})" if language else headline)
        for other_id, headline, language in others if other_id != story_id
    )


def record(session: Session, rows: list[dict[str, object]]) -> None:
    """Write the provenance of imported stories (replacing what each had)."""
    if not rows:
        return
    table = table_of(ImportSource)
    ids = [str(row["story_id"]) for row in rows]
    for chunk in chunks(ids):
        session.execute(sa.delete(table).where(table.c.story_id.in_(chunk)))
    by_site: dict[str, list[str]] = {}
    for row in rows:
        by_site.setdefault(str(row["site"]), []).append(str(row["path"]))
    for site, paths in by_site.items():
        for chunk in chunks(paths):
            session.execute(sa.delete(table).where(
                table.c.site == site, table.c.path.in_(chunk)))
    session.execute(sa.insert(table), rows)


def provenance_row(*, story_id: str, site: str, path: str, generator: str, source_slug: str,
                   language: str, translation_key: str, digest: str, revision_id: str,
                   now: datetime, notes: list[str], document: StoryDocument
                   ) -> dict[str, object]:
    """One ``import_sources`` row."""
    return {"story_id": story_id, "site": site[:500], "path": path[:1000],
            "generator": generator, "source_slug": source_slug[:200],
            "language": language[:35], "translation_key": translation_key[:500],
            "digest": digest, "revision_id": revision_id, "imported_at": now,
            "notes": list(notes),
            "document": canonical_json(document.canonical())}


def last_document(row: ImportSource | None) -> StoryDocument | None:
    """The story the file made when it was last imported (None when unknown)."""
    if row is None or not row.document:
        return None
    return document_from_json(row.document)


def legacy_id(slug: str) -> str:
    """The id the earlier, slug-keyed importer gave the story of a file with ``slug``."""
    return str(uuid.uuid5(LEGACY_NAMESPACE, slug))
