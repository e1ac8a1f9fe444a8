"""Helpers for the sync tests: replicas, a central store, edits and comparisons."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from cms import stories
from cms.config import set_setting
from cms.document import StoryDocument
from cms.models import Revision, Story
from cms.people import Actor, actor_for
from cms.revisions import load_document
from cms.sample import first_run
from cms.store import Store
from cms.sync.central import init_central
from cms.sync.replication import BATCH, SyncReport, sync
from cms.timeutil import utcnow


class Replica:
    """A local SQLite store acting as one editor's laptop."""

    def __init__(self, path: Path, central: str, *, name: str = "ed",
                 offset: timedelta = timedelta(0)) -> None:
        self.path = path
        self.central = central
        self.name = name
        self.offset = offset
        self.store = Store.open(str(path), create=True)
        with self.store.session() as session:
            self.actor: Actor = actor_for(session, name, self.store.replica_id)

    def now(self) -> datetime:
        """This laptop's idea of the time (tests skew it)."""
        return utcnow() + self.offset

    def sync(self, batch_size: int = BATCH) -> SyncReport:
        """Sync with the central store."""
        return sync(self.store, self.central, author=self.name, now=self.now,
                    batch_size=batch_size)

    def create(self, headline: str, body: str = "", *, status: str = "draft",
               publish_at: datetime | None = None) -> str:
        """A new story; returns its id."""
        with self.store.session() as session:
            saved = stories.create(session, self.actor, headline=headline, body=body,
                                   status=status, publish_at=publish_at, now=self.now())
        return saved.document.story_id

    def edit(self, story_id: str, **changes: Any) -> str:
        """Edit a story; returns the new head revision."""
        with self.store.session() as session:
            return stories.edit(session, self.actor, story_id, now=self.now(),
                                **changes).revision_id

    def doc(self, story_id: str) -> StoryDocument:
        """The story's shown document."""
        with self.store.reading() as session:
            return stories.get(session, story_id)[0]

    def snapshot(self) -> dict[str, str]:
        """Story id -> shown revision id."""
        with self.store.reading() as session:
            return dict(session.execute(sa.select(Story.id, Story.revision_id)).all())

    def revision_ids(self) -> set[str]:
        """Every revision this store holds."""
        with self.store.reading() as session:
            return set(session.scalars(sa.select(Revision.id)))

    def close(self) -> None:
        """Release the store."""
        self.store.close()

def desk_store(path: Path, central: str, name: str, *, sample: bool) -> tuple[Store, Actor]:
    """A replica store for ``name`` that syncs with ``central`` (with the sample newsroom)."""
    store = Store.open(str(path), create=True)
    with store.session() as session:
        actor = actor_for(session, name, store.replica_id)
        set_setting(session, "central_url", central, username=name)
    if sample:
        first_run(store, actor)
    return store, actor


def make_central(location: str) -> str:
    """Create a central store at ``location``; returns the location."""
    store, _, _ = init_central(location)
    store.close()
    return location


def central_bodies(location: str, story_id: str) -> list[str]:
    """Every body any revision of the story has on the central store."""
    with Store.open(location) as store, store.reading() as session:
        ids = session.scalars(sa.select(Revision.id).where(Revision.story_id == story_id))
        return [load_document(session, rev).body for rev in ids]


def delete_story(replica: Replica, story_id: str) -> None:
    """Delete a story on a replica (a revision with ``deleted`` set)."""
    with replica.store.session() as session:
        doc, head = stories.get(session, story_id)
        stories.save(session, replica.actor, doc.evolve(deleted=True), base_revision=head,
                     now=replica.now(), message="deleted")


def attach_photo(replica: Replica, story_id: str, data: bytes, *, caption: str = "") -> str:
    """Store photo bytes on a replica and place them on the story; returns the hash."""
    import uuid

    from cms.blobs import put_blob
    from cms.document import PhotoRef

    with replica.store.session() as session:
        digest = put_blob(session, data, media_type="image/jpeg")
        doc, head = stories.get(session, story_id)
        photo = PhotoRef(id=str(uuid.uuid4()), sha256=digest, caption=caption, credit="JCS")
        stories.save(session, replica.actor, doc.evolve(photos=(*doc.photos, photo)),
                     base_revision=head, now=replica.now())
    return digest
