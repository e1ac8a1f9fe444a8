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
from dataclasses import replace as evolve
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cms import figures, stories
from cms.blobs import put_blob
from cms.document import PHOTO_ROLES, PhotoRef, StoryDocument, normalise_line
from cms.errors import Ambiguous, NotFound, UsageError
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
from cms.photometa import public_metadata, suggested_credit

MAX_CAPTION = 2000
MAX_CREDIT = 300
MAX_ALT = 1000


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


def _check_words(caption: str, credit: str, alt: str) -> None:
    if len(caption) > MAX_CAPTION:
        raise UsageError(f"the caption is longer than {MAX_CAPTION} characters")
    if len(normalise_line(credit)) > MAX_CREDIT:
        raise UsageError(f"the credit is longer than {MAX_CREDIT} characters")
    if len(normalise_line(alt)) > MAX_ALT:
        raise UsageError(f"the alt text is longer than {MAX_ALT} characters")


def _store(session: Session, photo: PreparedPhoto) -> str:
    info = photo.info
    return put_blob(session, photo.data, media_type=info.media_type, width=info.width,
                    height=info.height, meta=info.blob_meta())


def find_placement(document: StoryDocument, ref: str) -> PhotoRef:
    """The placement named by ``ref``: its number (1, 2, …), or a prefix of its id or hash."""
    text = ref.strip().lower()
    if text.isdigit() and len(text) < 4:
        index = int(text)
        if 1 <= index <= len(document.photos):
            return document.photos[index - 1]
        raise NotFound(f"the story has {len(document.photos)} photos; there is no photo {text}")
    photo, why = figures.resolve(text, document.photos)
    if photo is None:
        error = Ambiguous if "matches" in why else NotFound
        raise error(why.replace("“", "").replace("”", ""))
    return photo  # type: ignore[no-any-return]


def _save(
    session: Session, actor: Actor, document: StoryDocument, photos: Sequence[PhotoRef],
    base_revision: str | None, message: str,
) -> tuple[StoryDocument, str]:
    saved = stories.save(session, actor, document.evolve(photos=tuple(photos)),
                         base_revision=base_revision, message=message)
    return saved.document, saved.revision_id


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
    info = photo.info
    for existing in document.photos:
        if existing.sha256 == info.sha256:
            number = document.photos.index(existing) + 1
            raise UsageError(f"{info.name} is already on this story (photo {number}, "
                             f"{existing.id[:8]}); edit that one instead")
    meta = info.metadata
    notes = []
    words = {
        "caption": caption if caption is not None else str(meta.get("caption", "")),
        "credit": credit if credit is not None else suggested_credit(meta),
        "alt": alt if alt is not None else str(meta.get("alt", "")),
    }
    prefilled = [key for key, given in (("caption", caption), ("credit", credit), ("alt", alt))
                 if given is None and words[key]]
    if prefilled:
        notes.append(f"{info.name}: {', '.join(prefilled)} taken from the file's metadata")
    _check_words(words["caption"], words["credit"], words["alt"])
    digest = _store(session, photo)
    ref = PhotoRef(id=placement_id or str(uuid.uuid4()), sha256=digest,
                   role="lead" if lead else "inline", **words)
    placed = [p if not lead or p.role != "lead" else evolve(p, role="inline")
              for p in document.photos]
    placed = [ref, *placed] if lead else [*placed, ref]
    doc, rev = _save(session, actor, document, placed, base, f"photo added: {info.name}")
    return PhotoChange(doc, rev, find_placement(doc, ref.id), tuple(notes))


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
    if role is not None and role not in PHOTO_ROLES:
        raise UsageError(f"unknown photo role {role!r}: use {' or '.join(PHOTO_ROLES)}")
    changed = PhotoRef(
        id=target.id, sha256=target.sha256,
        caption=target.caption if caption is None else caption,
        credit=target.credit if credit is None else credit,
        alt=target.alt if alt is None else alt,
        role=target.role if role is None else role,
    )
    _check_words(changed.caption, changed.credit, changed.alt)
    placed = []
    for p in document.photos:
        if p.id == target.id:
            placed.append(changed)
        elif changed.role == "lead" and p.role == "lead":
            placed.append(evolve(p, role="inline"))  # one lead per story
        else:
            placed.append(p)
    doc, rev = _save(session, actor, document, placed, base, f"photo {target.id[:8]} edited")
    return PhotoChange(doc, rev, find_placement(doc, target.id))


def reorder(
    session: Session, actor: Actor, story_ref: str, order: Sequence[str], *,
    base_revision: str | None = None,
) -> PhotoChange:
    """Put the story's photos in the order given (every placement, each once)."""
    document, base = _head(session, story_ref, base_revision)
    chosen = [find_placement(document, ref) for ref in order]
    if len({p.id for p in chosen}) != len(chosen):
        raise UsageError("the new order names a photo twice")
    if len(chosen) != len(document.photos):
        raise UsageError(f"the new order names {len(chosen)} photos; the story has "
                         f"{len(document.photos)}")
    doc, rev = _save(session, actor, document, chosen, base, "photos reordered")
    return PhotoChange(doc, rev, None)


def move(
    session: Session, actor: Actor, story_ref: str, placement_ref: str, position: int, *,
    base_revision: str | None = None,
) -> PhotoChange:
    """Move one photo to ``position`` (1-based; clamped to the list)."""
    document, base = _head(session, story_ref, base_revision)
    target = find_placement(document, placement_ref)
    rest = [p for p in document.photos if p.id != target.id]
    index = min(max(position, 1), len(document.photos)) - 1
    rest.insert(index, target)
    doc, rev = _save(session, actor, document, rest, base, f"photo {target.id[:8]} moved")
    return PhotoChange(doc, rev, find_placement(doc, target.id))


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
    if any(p.sha256 == photo.info.sha256 and p.id != target.id for p in document.photos):
        raise UsageError(f"{photo.info.name} is already on this story as another photo")
    digest = _store(session, photo)
    changed = PhotoRef(id=target.id, sha256=digest, caption=target.caption,
                       credit=target.credit or suggested_credit(photo.info.metadata),
                       alt=target.alt, role=target.role)
    placed = [changed if p.id == target.id else p for p in document.photos]
    doc, rev = _save(session, actor, document, placed, base,
                     f"photo {target.id[:8]} replaced by {photo.info.name}")
    return PhotoChange(doc, rev, find_placement(doc, target.id))


def remove(
    session: Session, actor: Actor, story_ref: str, placement_ref: str, *,
    base_revision: str | None = None,
) -> PhotoChange:
    """Take a photo off a story (its bytes stay while any revision refers to them)."""
    document, base = _head(session, story_ref, base_revision)
    target = find_placement(document, placement_ref)
    placed = [p for p in document.photos if p.id != target.id]
    notes = []
    still = [ref for ref in figures.references(document.body)
             if figures.resolve(ref, [target])[0] is not None]
    if still:
        notes.append(f"the body still places this photo ({', '.join(still)}); that figure "
                     "now shows a warning until you remove the line")
    doc, rev = _save(session, actor, document, placed, base, f"photo {target.id[:8]} removed")
    return PhotoChange(doc, rev, target, tuple(notes))


def photo_problems(document: StoryDocument) -> list[str]:
    """Why a story's photos are not ready to publish (empty when they are).

    A photo without alt text or credit, or a figure in the body that names no
    photo on the story. The workflow refuses the move to "ready" while this
    is not empty, unless a desk chief overrides.
    """
    problems = []
    for number, photo in enumerate(document.photos, start=1):
        label = f"photo {number} ({photo.id[:8]})"
        if not normalise_line(photo.alt):
            problems.append(f"{label} has no alt text")
        if not normalise_line(photo.credit):
            problems.append(f"{label} has no credit")
    problems.extend(figures.unresolved(document.body, document.photos))
    return problems


def placement_problems(photo: PhotoRef) -> list[str]:
    """What one placement lacks ("alt text", "credit"), for badges."""
    missing = []
    if not normalise_line(photo.alt):
        missing.append("alt text")
    if not normalise_line(photo.credit):
        missing.append("credit")
    return missing


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


def delete_unreferenced_blobs(session: Session) -> list[str]:
    """Delete stored photos no revision refers to (e.g. from a failed import); their hashes.

    A blob stays while any revision — not just the head — references it, so
    restoring an old revision always finds its photos.
    """
    used = referenced_blobs(session)
    stored = set(session.scalars(sa.select(Blob.sha256)))
    orphans = sorted(stored - used)
    for start in range(0, len(orphans), 500):
        session.execute(sa.delete(Blob).where(Blob.sha256.in_(orphans[start:start + 500])))
    return orphans
