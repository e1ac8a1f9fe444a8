"""A story's photo placements as pure document changes.

Each function takes a :class:`StoryDocument` and returns a new one; nothing
here touches the store. :mod:`cms.photos` saves the result as a revision for
the CLI and scripts; the window applies it to the open story as an edit, so
autosave, the recovery journal and conflict handling treat a caption change
like any other keystroke.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from cms import figures
from cms.document import PHOTO_ROLES, PhotoRef, StoryDocument, normalise_line
from cms.errors import Ambiguous, NotFound, UsageError
from cms.photometa import suggested_credit

MAX_CAPTION = 2000
MAX_CREDIT = 300
MAX_ALT = 1000


def check_words(caption: str, credit: str, alt: str) -> None:
    """Caption, credit and alt text within their limits."""
    if len(caption) > MAX_CAPTION:
        raise UsageError(f"the caption is longer than {MAX_CAPTION} characters")
    if len(normalise_line(credit)) > MAX_CREDIT:
        raise UsageError(f"the credit is longer than {MAX_CREDIT} characters")
    if len(normalise_line(alt)) > MAX_ALT:
        raise UsageError(f"the alt text is longer than {MAX_ALT} characters")


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
    found: PhotoRef = photo
    return found


def prefill(
    meta: dict[str, Any], *, caption: str | None, credit: str | None, alt: str | None
) -> tuple[dict[str, str], list[str]]:
    """The words for a new placement: those given, else the file's metadata; and which came
    from the metadata."""
    limits = {"caption": MAX_CAPTION, "credit": MAX_CREDIT, "alt": MAX_ALT}
    found = {"caption": str(meta.get("caption", "")), "credit": suggested_credit(meta),
             "alt": str(meta.get("alt", ""))}
    given = {"caption": caption, "credit": credit, "alt": alt}
    words = {}
    for key, value in given.items():
        if value is not None:
            words[key] = value
        else:  # what a file says is cut to fit rather than refusing the photo
            words[key] = _shorten(normalise_line(found[key]) if key != "caption"
                                  else found[key].strip(), limits[key])
    return words, [key for key, value in given.items() if value is None and words[key]]


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[:limit - 1].rsplit(" ", 1)[0].rstrip() + "…"


def _demote_leads(photos: Sequence[PhotoRef], keep: str) -> list[PhotoRef]:
    return [replace(p, role="inline") if p.role == "lead" and p.id != keep else p
            for p in photos]


def with_photo(document: StoryDocument, placement: PhotoRef, name: str = "") -> StoryDocument:
    """``document`` with ``placement`` added (first if it is the lead, else last).

    The same photo twice on one story is refused; a new lead demotes the old one.
    """
    for number, existing in enumerate(document.photos, start=1):
        if existing.sha256 == placement.sha256:
            raise UsageError(f"{name or 'this photo'} is already on this story (photo {number}, "
                             f"{existing.id[:8]}); edit that one instead")
    if placement.role not in PHOTO_ROLES:
        raise UsageError(f"unknown photo role {placement.role!r}")
    check_words(placement.caption, placement.credit, placement.alt)
    if placement.role == "lead":
        photos = [placement, *_demote_leads(document.photos, placement.id)]
    else:
        photos = [*document.photos, placement]
    return document.evolve(photos=tuple(photos))


def with_words(
    document: StoryDocument, placement_ref: str, *, caption: str | None = None,
    credit: str | None = None, alt: str | None = None, role: str | None = None,
) -> StoryDocument:
    """``document`` with one placement's caption, credit, alt text or role changed."""
    target = find_placement(document, placement_ref)
    if role is not None and role not in PHOTO_ROLES:
        raise UsageError(f"unknown photo role {role!r}: use {' or '.join(PHOTO_ROLES)}")
    changed = replace(
        target,
        caption=target.caption if caption is None else caption,
        credit=target.credit if credit is None else credit,
        alt=target.alt if alt is None else alt,
        role=target.role if role is None else role,
    )
    check_words(changed.caption, changed.credit, changed.alt)
    photos = [changed if p.id == target.id else p for p in document.photos]
    if changed.role == "lead":
        photos = _demote_leads(photos, changed.id)  # one lead per story
    return document.evolve(photos=tuple(photos))


def in_order(document: StoryDocument, order: Sequence[str]) -> StoryDocument:
    """``document`` with its photos in the order given (every placement, each once)."""
    chosen = [find_placement(document, ref) for ref in order]
    if len({p.id for p in chosen}) != len(chosen):
        raise UsageError("the new order names a photo twice")
    if len(chosen) != len(document.photos):
        raise UsageError(f"the new order names {len(chosen)} photos; the story has "
                         f"{len(document.photos)}")
    return document.evolve(photos=tuple(chosen))


def moved(document: StoryDocument, placement_ref: str, position: int) -> StoryDocument:
    """``document`` with one photo moved to ``position`` (1-based, clamped to the list)."""
    target = find_placement(document, placement_ref)
    rest = [p for p in document.photos if p.id != target.id]
    rest.insert(min(max(position, 1), len(document.photos)) - 1, target)
    return document.evolve(photos=tuple(rest))


def replaced(
    document: StoryDocument, placement_ref: str, sha256: str, meta: dict[str, Any],
    name: str = "",
) -> StoryDocument:
    """``document`` with a placement showing another photo, keeping its id and words.

    The words were written for this story, so they stay; only an empty credit
    is filled from the new file's metadata.
    """
    target = find_placement(document, placement_ref)
    if any(p.sha256 == sha256 and p.id != target.id for p in document.photos):
        raise UsageError(f"{name or 'that photo'} is already on this story as another photo")
    changed = replace(target, sha256=sha256, credit=target.credit or suggested_credit(meta))
    return document.evolve(photos=tuple(changed if p.id == target.id else p
                                        for p in document.photos))


def without(document: StoryDocument, placement_ref: str) -> tuple[StoryDocument, list[str]]:
    """``document`` without one photo, and a note if the body still places it."""
    target = find_placement(document, placement_ref)
    notes = []
    still = [ref for ref in figures.references(document.body)
             if figures.resolve(ref, [target])[0] is not None]
    if still:
        notes.append(f"the body still places this photo ({', '.join(still)}); that figure "
                     "now shows a warning until you remove the line")
    return document.evolve(photos=tuple(p for p in document.photos if p.id != target.id)), notes


def placement_problems(photo: PhotoRef) -> list[str]:
    """What one placement lacks ("alt text", "credit"), for badges."""
    missing = []
    if not normalise_line(photo.alt):
        missing.append("alt text")
    if not normalise_line(photo.credit):
        missing.append("credit")
    return missing


CAPTION_IN_MESSAGES = 40  # characters of a caption that name a photo in a message


def photo_name(number: int, photo: PhotoRef) -> str:
    """How messages name a photo: its number and the start of its caption, never its hash."""
    caption = " ".join(photo.caption.split())
    if not caption:
        return f"photo {number}"
    if len(caption) > CAPTION_IN_MESSAGES:
        caption = caption[:CAPTION_IN_MESSAGES].rsplit(" ", 1)[0] + "…"
    return f"photo {number} (“{caption}”)"


def photo_problems(document: StoryDocument) -> list[str]:
    """Why a story's photos are not ready to publish (empty when they are).

    A photo without alt text or credit, or a figure in the body that names no
    photo on the story. The workflow refuses the move to "ready" while this
    is not empty, unless a desk chief overrides.
    """
    problems = []
    for number, photo in enumerate(document.photos, start=1):
        for missing in placement_problems(photo):
            problems.append(f"{photo_name(number, photo)} has no {missing}")
    problems.extend(figures.unresolved(document.body, document.photos))
    return problems
