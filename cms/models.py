"""The relational schema, as typed SQLAlchemy 2 models.

What replicates between stores (revisions, blobs, people, sections, settings)
is keyed by content hashes, UUIDs or natural keys, never by auto-increment
integers. ``stories`` and the tables hanging off it are a *projection* of each
story's head revision, kept for listing, filtering and search; they can be
rebuilt from ``revisions`` at any time, so their local integer key is harmless.

People, roles, statuses and allowed workflow transitions are explicit tables,
so that a central PostgreSQL store can later enforce them with grants and
row-level security.

JSON lives in two kinds of column. Canonical text (``revisions.content`` and
``parents``, desk event bodies, proposals and imported documents) is hashed or
compared byte for byte, and what a secured central's triggers write or check as
text (``stories.tags`` and ``aliases``, ``blobs.meta``) travels as text: these
stay ``Text`` and the code dumps and loads them itself. Plain local data is
``JSON`` (migration 0009), read and written as lists and dicts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from cms.timeutil import UTCDateTime


class Base(DeclarativeBase):
    """Declarative base for every Newsroom table."""


def table_of(model: type[Base]) -> Table:
    """The Core table behind a model, typed as one (for bulk Core statements)."""
    return cast(Table, model.__table__)


class StoreMeta(Base):
    """Facts about this one database file or server (never replicated): replica id, versions."""

    __tablename__ = "store_meta"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class Setting(Base):
    """Desk settings shared by every copy of the desk: name, time zone, base URL, central URL."""

    __tablename__ = "settings"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(64))


class Role(Base):
    """A role people hold; ``rank`` orders them from reporter (lowest) to admin."""

    __tablename__ = "roles"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    rank: Mapped[int] = mapped_column(Integer)
    description: Mapped[str] = mapped_column(Text, default="")


class Person(Base):
    """Someone who acts on the store; every revision names one."""

    __tablename__ = "people"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(ForeignKey("roles.name"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The PostgreSQL login this person acts as on a secured central store.
    login: Mapped[str | None] = mapped_column(String(63), unique=True)


class Status(Base):
    """A workflow state a story can be in."""

    __tablename__ = "statuses"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)
    public: Mapped[bool] = mapped_column(Boolean, default=False)


class WorkflowTransition(Base):
    """One allowed move between statuses and the lowest role that may make it."""

    __tablename__ = "workflow_transitions"

    from_status: Mapped[str] = mapped_column(ForeignKey("statuses.name"), primary_key=True)
    to_status: Mapped[str] = mapped_column(ForeignKey("statuses.name"), primary_key=True)
    min_role: Mapped[str] = mapped_column(ForeignKey("roles.name"))


class Section(Base):
    """A desk section (Politics, North Korea, …), keyed by its slug."""

    __tablename__ = "sections"

    slug: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Blob(Base):
    """Photo bytes, stored once by their SHA-256."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    meta: Mapped[str] = mapped_column(Text, default="{}")  # JSON: IPTC/XMP/EXIF read on arrival
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Revision(Base):
    """An immutable snapshot of a whole story document.

    ``id`` is the SHA-256 of the canonical document plus the parent ids, so the
    same edit made twice (or replicated twice) is one row.
    """

    __tablename__ = "revisions"
    # A partial copy holds the stories its person touched (migration 0006).
    __table_args__ = (Index("ix_revisions_author_story", "author", "story_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    story_id: Mapped[str] = mapped_column(String(36), index=True)
    parents: Mapped[str] = mapped_column(Text)  # JSON list of revision ids, ordered
    author: Mapped[str] = mapped_column(String(64))
    replica_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    hlc: Mapped[str] = mapped_column(String(40), index=True)
    message: Mapped[str] = mapped_column(Text, default="")
    content: Mapped[str] = mapped_column(Text)  # canonical JSON of the document


class RevisionParent(Base):
    """Edges of the revision graph, for ancestry walks without parsing JSON."""

    __tablename__ = "revision_parents"

    revision_id: Mapped[str] = mapped_column(
        ForeignKey("revisions.id", ondelete="CASCADE"), primary_key=True
    )
    parent_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class StoryTransition(Base):
    """One workflow move of one story: who, when, from where to where, and why."""

    __tablename__ = "story_transitions"
    # Every pull and push fetches the moves of the revisions it carries (migration 0006).
    __table_args__ = (Index("ix_story_transitions_revision_id", "revision_id"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    story_id: Mapped[str] = mapped_column(String(36), index=True)
    from_status: Mapped[str] = mapped_column(ForeignKey("statuses.name"))
    to_status: Mapped[str] = mapped_column(ForeignKey("statuses.name"))
    username: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text, default="")
    revision_id: Mapped[str] = mapped_column(String(64))


class Story(Base):
    """The head of each story, as columns for listing, filtering and full-text search."""

    __tablename__ = "stories"
    __table_args__ = (
        Index("ix_stories_status_publish_at", "status", "publish_at"),
        Index("ix_stories_updated_at", "updated_at"),
        Index("ix_stories_section", "section"),
        Index("ix_stories_created_by", "created_by"),
        Index("ix_stories_publish_at", "publish_at"),  # a partial copy's window (0006)
    )

    pk: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)
    headline: Mapped[str] = mapped_column(Text)
    standfirst: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    byline: Mapped[str] = mapped_column(String(300), default="")
    dateline: Mapped[str] = mapped_column(String(200), default="")
    section: Mapped[str | None] = mapped_column(ForeignKey("sections.slug"))
    tags: Mapped[str] = mapped_column(Text, default="[]")  # JSON list, see story_tags
    status: Mapped[str] = mapped_column(ForeignKey("statuses.name"))
    publish_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    embargo_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    correction: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(64))
    updated_by: Mapped[str] = mapped_column(String(64))
    revision_id: Mapped[str] = mapped_column(ForeignKey("revisions.id"))
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    aliases: Mapped[str] = mapped_column(Text, default="[]", server_default="[]")  # JSON list
    # The story's language tag; empty: the desk's (settings ``language``).
    language: Mapped[str] = mapped_column(String(35), default="", server_default="")

    photos: Mapped[list[PhotoPlacement]] = relationship(
        order_by="PhotoPlacement.position", cascade="all, delete-orphan", passive_deletes=True
    )
    related: Mapped[list[RelatedLink]] = relationship(
        order_by="RelatedLink.position", cascade="all, delete-orphan", passive_deletes=True
    )


class StoryTag(Base):
    """One tag on one story (derived from ``stories.tags``) for tag filters and pages."""

    __tablename__ = "story_tags"

    story_id: Mapped[str] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(100), primary_key=True, index=True)


class PhotoPlacement(Base):
    """A photo on a story, with this story's caption, credit and alt text."""

    __tablename__ = "photo_placements"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    story_id: Mapped[str] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), index=True
    )
    sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    caption: Mapped[str] = mapped_column(Text, default="")
    credit: Mapped[str] = mapped_column(String(300), default="")
    alt: Mapped[str] = mapped_column(Text, default="")
    role: Mapped[str] = mapped_column(String(16), default="inline")
    position: Mapped[int] = mapped_column(Integer)


class RelatedLink(Base):
    """A "Read next" link: another story or an external URL, shown inside its window."""

    __tablename__ = "related_links"
    __table_args__ = (UniqueConstraint("story_id", "position"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    story_id: Mapped[str] = mapped_column(
        ForeignKey("stories.id", ondelete="CASCADE"), index=True
    )
    target_story_id: Mapped[str | None] = mapped_column(String(36), index=True)
    url: Mapped[str | None] = mapped_column(Text)
    label: Mapped[str] = mapped_column(Text, default="")
    position: Mapped[int] = mapped_column(Integer)
    visible_from: Mapped[datetime | None] = mapped_column(UTCDateTime())
    visible_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


# --- Replication (migration 0002, cms.sync) -------------------------------------------


class SyncCounter(Base):
    """A counter allocated inside writing transactions (the revision sequence) and its chain."""

    __tablename__ = "sync_counters"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
    chain: Mapped[str] = mapped_column(String(64))


class RevisionSeq(Base):
    """The order in which replicated items reached this store, with a hash chain over it.

    The items are revisions and desk events (notes, assignments, updates): both
    are immutable and content-addressed, so one log, one cursor and one chain
    carry both. On a central store this is the sequence replicas pull by; on a
    replica it is the log a push walks.
    """

    __tablename__ = "revision_seq"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision_id: Mapped[str] = mapped_column(String(64), unique=True)  # or a desk event's id
    story_id: Mapped[str] = mapped_column(String(36), index=True)
    chain: Mapped[str] = mapped_column(String(64))


class SyncState(Base):
    """A replica's checkpoint with one central store (pull cursor, epoch seen, last result)."""

    __tablename__ = "sync_state"

    central_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    central_url: Mapped[str] = mapped_column(Text)
    epoch: Mapped[str] = mapped_column(String(36))
    pull_seq: Mapped[int] = mapped_column(Integer, default=0)
    pull_revision: Mapped[str | None] = mapped_column(String(64))
    pushed_seq: Mapped[int] = mapped_column(Integer, default=0)  # last known, for display
    refill: Mapped[bool] = mapped_column(Boolean, default=False)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str] = mapped_column(Text, default="")
    # Plain data, never hashed nor synced (migration 0009): the sync report of ``as_dict``.
    last_report: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class SyncReplica(Base):
    """On a central store: how far each replica incarnation has pushed, in this epoch."""

    __tablename__ = "sync_replicas"

    incarnation: Mapped[str] = mapped_column(String(36), primary_key=True)
    epoch: Mapped[str] = mapped_column(String(36), primary_key=True)
    replica_id: Mapped[str] = mapped_column(String(36))
    pushed_seq: Mapped[int] = mapped_column(Integer)
    pushed_chain: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SyncDirty(Base):
    """A story whose heads must be looked at again (merged, projected or marked in conflict)."""

    __tablename__ = "sync_dirty"

    story_id: Mapped[str] = mapped_column(String(36), primary_key=True)


class Conflict(Base):
    """An open conflict: a story whose heads could not be merged automatically.

    Both versions stay whole in their revisions; this row names them, the common
    ancestor, the fields that clash, and the automatic merge of everything else.
    """

    __tablename__ = "conflicts"

    story_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    local_revision: Mapped[str] = mapped_column(String(64))
    other_revision: Mapped[str] = mapped_column(String(64))
    base_revision: Mapped[str | None] = mapped_column(String(64))
    heads: Mapped[list[str]] = mapped_column(JSON)  # every head revision id (0009)
    fields: Mapped[list[str]] = mapped_column(JSON)  # the clashing field names (0009)
    proposal: Mapped[str] = mapped_column(Text)  # canonical JSON: clean merge, local values
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime())


# --- Trust (migration 0003, cms.sync.security) ---------------------------------------


class RevisionHold(Base):
    """A local revision the central store refused for lack of rights (kept, never re-sent).

    A held revision is no longer a head here: its permitted part travels as a
    new revision, and the hold settles once the central store's head carries
    what it wanted (someone with the role made the move).
    """

    __tablename__ = "revision_holds"

    revision_id: Mapped[str] = mapped_column(String(64), primary_key=True)  # or a desk event
    story_id: Mapped[str] = mapped_column(String(36), index=True)
    reason: Mapped[str] = mapped_column(Text)
    need_role: Mapped[str | None] = mapped_column(String(32))
    wanted: Mapped[dict[str, Any]] = mapped_column(JSON)  # the refused values, by field (0009)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class QuarantinedRevision(Base):
    """A revision that arrived by sync with values a local save refuses, kept with why.

    It is never part of the revision graph nor of ``stories``; a later revision
    naming it as a parent waits, as for any parent not yet here.
    """

    __tablename__ = "quarantined_revisions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    story_id: Mapped[str] = mapped_column(String(36), index=True)
    parents: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(64))
    replica_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    hlc: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    content: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    arrived_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CentralAudit(Base):
    """On a secured central store: one accepted change, with the database login that made it.

    Written only by the store's own triggers and functions; no client role may
    update or delete it.
    """

    __tablename__ = "central_audit"
    __table_args__ = (Index("ix_central_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    login: Mapped[str] = mapped_column(String(63))
    person: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    story_id: Mapped[str | None] = mapped_column(String(36), index=True)
    revision_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(Text)


class ImportSource(Base):
    """Where an imported story came from: the source site, the file, its slug and language.

    Re-importing matches files on this (never on a slug alone); ``digest`` is the
    file as last imported (an unchanged file is not read again), ``document`` the
    story that file made (a re-import keeps every field the desk changed since) and
    ``revision_id`` the revision the import left as the story's head.
    Local to each store: the story id, derived from the same facts, is what
    travels with sync.
    """

    __tablename__ = "import_sources"
    __table_args__ = (
        UniqueConstraint("site", "path", name="uq_import_sources_site_path"),
        Index("ix_import_sources_translation", "site", "translation_key"),
    )

    story_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    site: Mapped[str] = mapped_column(String(500))
    path: Mapped[str] = mapped_column(String(1000))
    generator: Mapped[str] = mapped_column(String(16))
    source_slug: Mapped[str] = mapped_column(String(200), default="")
    language: Mapped[str] = mapped_column(String(35), default="")
    translation_key: Mapped[str] = mapped_column(String(500), default="")
    digest: Mapped[str] = mapped_column(String(64))
    revision_id: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    notes: Mapped[list[str]] = mapped_column(JSON, default=list)  # what needs a look (0009)
    document: Mapped[str] = mapped_column(Text, default="")  # canonical JSON


# --- The desk (migration 0005, cms.desk) -------------------------------------------------


class DeskEvent(Base):
    """An immutable event about a story: a note, a reply, a resolution, an assignment, an
    update proposed to a live story and what became of it (see :mod:`cms.desk.events`).

    ``id`` is the SHA-256 of the canonical event, so replaying one is harmless.
    """

    __tablename__ = "desk_events"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    story_id: Mapped[str] = mapped_column(String(36), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64), index=True)
    author: Mapped[str] = mapped_column(String(64))
    replica_id: Mapped[str] = mapped_column(String(36))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    hlc: Mapped[str] = mapped_column(String(40), index=True)
    body: Mapped[str] = mapped_column(Text)  # canonical JSON of what the event says


class Note(Base):
    """An editorial note or a reply, as its events leave it (a projection)."""

    __tablename__ = "notes"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    story_id: Mapped[str] = mapped_column(String(36), index=True)
    reply_to: Mapped[str | None] = mapped_column(String(64), index=True)
    author: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    quote: Mapped[str] = mapped_column(Text)
    paragraph: Mapped[int | None] = mapped_column(Integer)
    addressed: Mapped[list[str]] = mapped_column(JSON)  # names, from the event body (0009)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    hlc: Mapped[str] = mapped_column(String(40))
    resolved: Mapped[bool] = mapped_column(Boolean)
    resolved_by: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state_hlc: Mapped[str] = mapped_column(String(40))  # the event that set ``resolved``


class NoteRecipient(Base):
    """One person a note is addressed to (for "notes addressed to me")."""

    __tablename__ = "note_recipients"

    note_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    person: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)


class Assignment(Base):
    """Someone assigned to a story, as its events leave it (a projection)."""

    __tablename__ = "assignments"

    story_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    note: Mapped[str] = mapped_column(Text)
    assigned_by: Mapped[str] = mapped_column(String(64))
    assigned_at: Mapped[datetime] = mapped_column(UTCDateTime())
    event_id: Mapped[str] = mapped_column(String(64))
    hlc: Mapped[str] = mapped_column(String(40))


class StoryUpdate(Base):
    """An update prepared for a live story, pending until it goes live or is discarded."""

    __tablename__ = "story_updates"
    __table_args__ = (Index("ix_story_updates_state_go_live_at", "state", "go_live_at"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    story_id: Mapped[str] = mapped_column(String(36), index=True)
    author: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    hlc: Mapped[str] = mapped_column(String(40))
    base_revision: Mapped[str] = mapped_column(String(64))
    document: Mapped[str] = mapped_column(Text)  # canonical JSON of the proposed story
    message: Mapped[str] = mapped_column(Text)
    go_live_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    state: Mapped[str] = mapped_column(String(16))  # pending | applied | discarded
    decided_by: Mapped[str | None] = mapped_column(String(64))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    applied_revision: Mapped[str | None] = mapped_column(String(64))


class Presence(Base):
    """On a central store: who has a story open for editing, until the lease runs out."""

    __tablename__ = "presence"

    story_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    replica_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    person: Mapped[str] = mapped_column(String(64))
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
