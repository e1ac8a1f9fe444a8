"""The photo service: attach photos to stories and edit their placements.

Every change — attach, caption, credit, alt text, role, order, replace,
remove — is a new revision of the story through :func:`cms.stories.save`, so
history and diffs show it and sync carries it. The bytes are stored once per
SHA-256 (:func:`cms.blobs.put_blob`) however many stories use them; a blob is
only ever deleted by :func:`delete_unreferenced_blobs`, and only when no
revision of any story refers to it.

Files are verified (:func:`prepare`) before a session is even needed, so the
window can do the slow part on a worker thread and a bad file never gets near
the store.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import figures, stories
from cms.blobs import blob_bytes, put_blob
from cms.document import PhotoRef, StoryDocument
from cms.figures import FigurePhoto
from cms.media import (
    DEFAULT_LIMITS,
    BadMetadata,
    ImageInfo,
    Limits,
    inspect_image,
    read_image_file,
)
from cms.models import Blob, Revision
from cms.people import Actor
from cms.photometa import public_metadata
from cms.placements import (
    find_placement,
    in_order,
    moved,
    photo_problems,
    placement_problems,
    prefill,
    replaced,
    with_photo,
    with_words,
    without,
)
from cms.sqlutil import chunks
from cms.store import Store
from cms.thumbcache import ThumbnailCache
from cms.timeutil import utcnow

PREVIEW_WIDTH = 640
PRUNE_GRACE = timedelta(days=1)

__all__ = [
    "BlobFacts", "PhotoChange", "PreparedPhoto", "attach", "blob_facts",
    "delete_unreferenced_blobs", "find_placement", "move", "new_placement", "photo_problems",
    "placement_problems", "placements_json", "prepare", "prepare_file", "preview_figures",
    "referenced_blobs",
    "remove", "reorder", "replace", "store_photo", "update",
]


@dataclass(frozen=True)
class PreparedPhoto:
    """A verified photo file, ready to store: its bytes and what we learnt about them."""

    data: bytes
    info: ImageInfo


@dataclass(frozen=True)
class PhotoChange:
    """What a photo operation did: the story as saved, the placement, and any notes."""

    document: StoryDocument
    revision_id: str
    placement: PhotoRef | None
    notes: tuple[str, ...] = ()


def prepare(
    data: bytes, name: str, *, limits: Limits = DEFAULT_LIMITS, ignore_bad_metadata: bool = False
) -> PreparedPhoto:
    """Verify a photo's bytes; raise :class:`cms.media.BadImage` naming the file if bad.

    Unreadable IPTC/XMP/EXIF refuses the file too (a caption or credit may be
    lost without anyone noticing) unless ``ignore_bad_metadata``: then the
    photo is accepted without the unreadable block.
    """
    info = inspect_image(data, name, limits)
    if info.metadata_problems and not ignore_bad_metadata:
        raise BadMetadata(
            f"{info.name}: {'; '.join(info.metadata_problems)}. Nothing was attached; attach "
            "it without its metadata if the picture itself is right"
        )
    return PreparedPhoto(data, info)


def prepare_file(
    path: Path, *, limits: Limits = DEFAULT_LIMITS, ignore_bad_metadata: bool = False
) -> PreparedPhoto:
    """:func:`prepare` for a file on disk (its size is checked before it is read)."""
    name, data = read_image_file(path, limits)
    return prepare(data, name, limits=limits, ignore_bad_metadata=ignore_bad_metadata)


def store_photo(session: Session, photo: PreparedPhoto) -> str:
    """Store a verified photo's bytes once (by SHA-256); return the hash."""
    info = photo.info
    return put_blob(session, photo.data, media_type=info.media_type, width=info.width,
                    height=info.height, meta=info.blob_meta())


def new_placement(
    info: ImageInfo, *, caption: str | None = None, credit: str | None = None,
    alt: str | None = None, lead: bool = False, placement_id: str | None = None,
) -> tuple[PhotoRef, list[str]]:
    """A placement for a verified photo, words defaulting to its metadata; plus notes."""
    words, prefilled = prefill(info.metadata, caption=caption, credit=credit, alt=alt)
    notes = []
    if prefilled:
        notes.append(f"{info.name}: {', '.join(prefilled)} taken from the file's metadata")
    ref = PhotoRef(id=placement_id or str(uuid.uuid4()), sha256=info.sha256,
                   role="lead" if lead else "inline", **words)
    return ref, notes


def _save(
    session: Session, actor: Actor, document: StoryDocument, base_revision: str,
    message: str, placement_id: str | None, notes: Sequence[str] = (),
) -> PhotoChange:
    saved = stories.save(session, actor, document, base_revision=base_revision, message=message)
    placed = None
    if placement_id is not None:
        placed = next((p for p in saved.document.photos if p.id == placement_id), None)
    return PhotoChange(saved.document, saved.revision_id, placed, tuple(notes))


def _head(session: Session, story_ref: str, base_revision: str | None) -> tuple[StoryDocument,
                                                                             str]:
    document, head = stories.get(session, story_ref)
    return document, base_revision or head


def attach(
    session: Session,
    actor: Actor,
    story_ref: str,
    photo: PreparedPhoto,
    *,
    caption: str | None = None,
    credit: str | None = None,
    alt: str | None = None,
    lead: bool = False,
    base_revision: str | None = None,
    placement_id: str | None = None,
) -> PhotoChange:
    """Place a verified photo on a story (a new revision); words default to its metadata.

    ``lead`` makes it the story's lead photo (the previous lead becomes
    inline). The same photo twice on one story is refused; on another story
    it shares the stored bytes.
    """
    document, base = _head(session, story_ref, base_revision)
    ref, notes = new_placement(photo.info, caption=caption, credit=credit, alt=alt, lead=lead,
                               placement_id=placement_id)
    changed = with_photo(document, ref, photo.info.name)
    store_photo(session, photo)
    return _save(session, actor, changed, base, f"photo added: {photo.info.name}", ref.id, notes)


def update(
    session: Session,
    actor: Actor,
    story_ref: str,
    placement_ref: str,
    *,
    caption: str | None = None,
    credit: str | None = None,
    alt: str | None = None,
    role: str | None = None,
    base_revision: str | None = None,
) -> PhotoChange:
    """Change a placement's caption, credit, alt text or role (a new revision if changed)."""
    document, base = _head(session, story_ref, base_revision)
    target = find_placement(document, placement_ref)
    changed = with_words(document, target.id, caption=caption, credit=credit, alt=alt,
                         role=role)
    return _save(session, actor, changed, base, f"photo {target.id[:8]} edited", target.id)


def reorder(
    session: Session, actor: Actor, story_ref: str, order: Sequence[str], *,
    base_revision: str | None = None,
) -> PhotoChange:
    """Put the story's photos in the order given (every placement, each once)."""
    document, base = _head(session, story_ref, base_revision)
    return _save(session, actor, in_order(document, order), base, "photos reordered", None)


def move(
    session: Session, actor: Actor, story_ref: str, placement_ref: str, position: int, *,
    base_revision: str | None = None,
) -> PhotoChange:
    """Move one photo to ``position`` (1-based; clamped to the list)."""
    document, base = _head(session, story_ref, base_revision)
    target = find_placement(document, placement_ref)
    return _save(session, actor, moved(document, target.id, position), base,
                 f"photo {target.id[:8]} moved", target.id)


def replace(
    session: Session, actor: Actor, story_ref: str, placement_ref: str, photo: PreparedPhoto,
    *, base_revision: str | None = None,
) -> PhotoChange:
    """Swap the picture of a placement, keeping its id (so figures still point at it) and words.

    Caption, credit and alt text stay — they were written for this story —
    except that an empty credit is filled from the new file's metadata.
    """
    document, base = _head(session, story_ref, base_revision)
    target = find_placement(document, placement_ref)
    changed = replaced(document, target.id, photo.info.sha256, photo.info.metadata,
                       photo.info.name)
    store_photo(session, photo)
    return _save(session, actor, changed, base,
                 f"photo {target.id[:8]} replaced by {photo.info.name}", target.id)


def remove(
    session: Session, actor: Actor, story_ref: str, placement_ref: str, *,
    base_revision: str | None = None,
) -> PhotoChange:
    """Take a photo off a story (its bytes stay while any revision refers to them)."""
    document, base = _head(session, story_ref, base_revision)
    target = find_placement(document, placement_ref)
    changed, notes = without(document, target.id)
    change = _save(session, actor, changed, base, f"photo {target.id[:8]} removed", None, notes)
    return PhotoChange(change.document, change.revision_id, target, change.notes)


@dataclass(frozen=True)
class BlobFacts:
    """A stored photo's type, size and (public) metadata."""

    sha256: str
    media_type: str
    size: int
    width: int | None
    height: int | None
    meta: dict[str, Any]

    @property
    def has_private_metadata(self) -> bool:
        """True when the original holds a GPS fix or serial numbers (never exported)."""
        return bool(self.meta.get("private"))


def blob_facts(session: Session, digests: Sequence[str]) -> dict[str, BlobFacts]:
    """Facts about stored photos by hash (without loading their bytes)."""
    rows = session.execute(
        sa.select(Blob.sha256, Blob.media_type, Blob.size, Blob.width, Blob.height, Blob.meta)
        .where(Blob.sha256.in_(list(set(digests))))
    )
    return {r.sha256: BlobFacts(r.sha256, r.media_type, r.size, r.width, r.height,
                                json.loads(r.meta or "{}")) for r in rows}


def placements_json(session: Session, document: StoryDocument) -> list[dict[str, Any]]:
    """A story's photos as ``newsroom photo list --json`` prints them (no GPS, no serials)."""
    facts = blob_facts(session, [p.sha256 for p in document.photos])
    out = []
    for number, photo in enumerate(document.photos, start=1):
        blob = facts.get(photo.sha256)
        meta = public_metadata(blob.meta) if blob else {}
        out.append({
            "number": number, "id": photo.id, "sha256": photo.sha256, "role": photo.role,
            "caption": photo.caption, "credit": photo.credit, "alt": photo.alt,
            "figure": figures.figure_markup(photo.id),
            "media_type": blob.media_type if blob else None,
            "size": blob.size if blob else None,
            "width": blob.width if blob else None, "height": blob.height if blob else None,
            "file_name": meta.get("original_name"),
            "metadata": {k: v for k, v in meta.items() if k != "original_name"},
            "missing": placement_problems(photo),
        })
    return out


def referenced_blobs(session: Session) -> set[str]:
    """Every photo hash that any revision of any story (deleted ones too) refers to."""
    used: set[str] = set()
    for content in session.scalars(
        sa.select(Revision.content).execution_options(yield_per=500)
    ):
        for photo in json.loads(content).get("photos", ()):
            used.add(photo["sha256"])
    return used


def delete_unreferenced_blobs(
    session: Session, *, older_than: timedelta = PRUNE_GRACE, now: datetime | None = None,
    dry_run: bool = False,
) -> list[str]:
    """Delete stored photos no revision refers to (e.g. from a failed import); their hashes.

    A blob stays while any revision — not just the head — references it, so
    restoring an old revision always finds its photos. Blobs younger than
    ``older_than`` stay too: sync sends a photo before the revision that uses
    it, and the window stores a photo before the autosave that places it.
    """
    cutoff = (now or utcnow()) - older_than
    used = referenced_blobs(session)
    stored = set(session.scalars(sa.select(Blob.sha256).where(Blob.created_at <= cutoff)))
    orphans = sorted(stored - used)
    if not dry_run:
        for part in chunks(orphans):
            session.execute(sa.delete(Blob).where(Blob.sha256.in_(part)))
    return orphans


def preview_figures(
    store: Store, document: StoryDocument, cache: ThumbnailCache | None = None,
    width: int = PREVIEW_WIDTH,
) -> list[FigurePhoto]:
    """The story's photos for :func:`cms.render.render_markdown` in the window's preview.

    Each ``src`` is a path relative to ``cache.root`` (give that folder to the
    preview as its search path); the preview-sized copy is made on first use,
    so call this off the GUI thread. A photo whose bytes are missing still
    renders its figure (alt text and caption), without a picture.
    """
    cache = cache or ThumbnailCache()
    with store.reading() as session:
        facts = blob_facts(session, [p.sha256 for p in document.photos])
        out = []
        for photo in document.photos:
            blob = facts.get(photo.sha256)
            src = ""
            if blob is not None:
                digest = photo.sha256
                cache.get(digest, partial(blob_bytes, session, digest), width)
                src = cache.path_for(photo.sha256, width).relative_to(cache.root).as_posix()
            size: dict[str, Any] = {}
            if blob is not None and blob.width and blob.height:
                shown = min(width, blob.width)
                size = {"width": shown, "height": round(blob.height * shown / blob.width)}
            out.append(FigurePhoto.from_ref(photo, src, **size))
    return out
